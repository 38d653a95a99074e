import { DataSource, type Logger } from 'typeorm';
import { dataSourceOptions } from '../../src/database/database';

/**
 * A DataSource on a real database that notes every statement it sends (START TRANSACTION and
 * COMMIT included), through TypeORM's logger: for tests of how many round trips a path costs.
 */
export async function countingDataSource(url: string): Promise<{ dataSource: DataSource; statements: string[] }> {
  const statements: string[] = [];
  const logger: Logger = {
    logQuery: (query) => void statements.push(query.replace(/\s+/g, ' ').trim()),
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  const dataSource = new DataSource({ ...dataSourceOptions({ url, applicationName: 'test-statements' }), logger });
  await dataSource.initialize();
  return { dataSource, statements };
}
