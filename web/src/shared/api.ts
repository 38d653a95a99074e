/** The API from the browser: JSON in and out, problem+json errors kept whole. */
export interface Problem {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

export interface ApiResult<T> {
  ok: boolean;
  status: number;
  headers: Headers;
  body: T;
  problem?: Problem;
}

export interface ApiOptions {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function api<T = unknown>(method: string, path: string, opts: ApiOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= typeof opts.body === 'string' ? 'text/plain' : 'application/json';
  }
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  const result: ApiResult<T> = { ok: res.ok, status: res.status, headers: res.headers, body: parsed as T };
  if (!res.ok) result.problem = (parsed && typeof parsed === 'object' ? parsed : { status: res.status, detail: text }) as Problem;
  return result;
}

export function problemText(p: Problem | undefined): string {
  if (!p) return '';
  const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
  return [p.detail ?? p.title ?? `HTTP ${p.status}`, fields].filter(Boolean).join(' — ');
}

export type EventTime = { date: string } | { dateTime: string };

export interface CalendarEvent {
  id: string;
  status: 'scheduled' | 'cancelled';
  title: string;
  description: string;
  programme: string | null;
  location: { city: string; country: string; venue: string | null };
  timeZone: string;
  start: EventTime;
  end: EventTime;
  startsAt: string;
  endsAt: string;
  cancelReason: string | null;
  version: number;
  recurrence?: string[];
  recurringEventId?: string;
}

export const PROGRAMMES = ['education', 'social-sciences', 'natural-sciences', 'culture', 'communication-information'] as const;
export const COUNTRIES = ['CN', 'JP', 'KP', 'KR', 'MN'] as const;

/** Every event overlapping [from, to), following cursors (the API pages at most 500). */
export async function listEvents(query: Record<string, string>, headers: Record<string, string> = {}): Promise<CalendarEvent[]> {
  const items: CalendarEvent[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const q = new URLSearchParams({ ...query, limit: '500', ...(cursor ? { cursor } : {}) });
    const r = await api<{ items: CalendarEvent[]; nextCursor?: string | null }>('GET', `/v1/events?${q}`, { headers });
    if (!r.ok) throw new Error(problemText(r.problem));
    items.push(...r.body.items);
    cursor = r.body.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return items;
}

export const isAllDay = (t: EventTime): t is { date: string } => 'date' in t;

/** "2013-10-25" + 1 day: FullCalendar's and iCalendar's end is exclusive, the API's all-day end is the last day. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
