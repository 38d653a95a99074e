export const ROLES = ['staff', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  roles: Role[];
}

export const ANONYMOUS = 'anonymous';
