import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Reschedule moves the jobs, cancel removes them": a moved plan row remembers the start its
 * previous due job was planned for, so that after commit that delayed job can be removed
 * (its id carries the start). Removal is a courtesy to the queue, not the guarantee: a due
 * job that survives it (Redis down at the time) still re-checks the plan and sends nothing.
 */
export class ReminderPlanReplaced1764375600000 implements MigrationInterface {
  name = 'ReminderPlanReplaced1764375600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE reminder_plan ADD COLUMN replaced_start_at timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE reminder_plan DROP COLUMN replaced_start_at');
  }
}
