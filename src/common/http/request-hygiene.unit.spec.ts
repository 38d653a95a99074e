import { MAX_JSON_DEPTH, bodyProblem, pathProblem, queryProblem } from './request-hygiene';

const nested = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

describe('request hygiene', () => {
  it('accepts ordinary bodies: astral text, tab and newline, the deepest nesting allowed', () => {
    expect(bodyProblem({ title: 'Forum \u{1F4C5} 𠮷', description: 'a\tb\nc', location: { city: 'Seoul' } })).toBeNull();
    expect(bodyProblem(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(bodyProblem('28 October 2013 Ulaanbaatar, Mongolia Celebration\n')).toBeNull();
  });

  it.each([
    ['NUL in a nested string', { a: [{ b: 'x\u0000' }] }],
    ['a lone high surrogate', { title: '\ud800' }],
    ['a lone low surrogate in a key', { '\udc00': 1 }],
    ['NUL in text', 'line\u0000'],
    ['nesting one level too deep', nested(MAX_JSON_DEPTH + 1)],
    ['nesting 5,000 deep', nested(5000)],
  ])('refuses a body with %s', (_what, body) => {
    expect(bodyProblem(body)).not.toBeNull();
  });

  it('refuses query strings and paths with control characters or broken encoding, and accepts ordinary ones', () => {
    expect(queryProblem('/v1/events?city=Seoul&q=caf%C3%A9+forum&from=2013-10-01')).toBeNull();
    expect(queryProblem('/v1/events')).toBeNull();
    for (const bad of ['/v1/events?city=%00', '/v1/events?q=%FF', '/v1/events?q=%ED%A0%80', '/v1/events?q=%E2%82', '/v1/events?q=a%0Ab', '/v1/events?q=%C2%85']) {
      expect(queryProblem(bad)).not.toBeNull();
    }
    expect(pathProblem('/v1/events/7f7c6c1e-0000-4000-8000-000000000000?q=%00')).toBeNull();
    expect(pathProblem('/v1/admin/deliveries/%00/retry')).not.toBeNull();
    expect(pathProblem('/v1/events/%FF')).not.toBeNull();
  });
});
