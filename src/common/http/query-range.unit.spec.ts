import { ProblemException } from './problem';
import { instantParam, queryRange } from './query-range';

const problemOf = (f: () => unknown): ProblemException => {
  try {
    f();
  } catch (err) {
    if (err instanceof ProblemException) return err;
    throw err;
  }
  throw new Error('expected a problem');
};

describe('query ranges', () => {
  it('reads bare dates as whole UTC days: from=D&to=D is the day D', () => {
    expect(queryRange('2013-10-01', '2013-10-01')).toEqual({
      from: { iso: '2013-10-01T00:00:00.000Z', millis: Date.parse('2013-10-01T00:00:00Z') },
      to: { iso: '2013-10-02T00:00:00.000Z', millis: Date.parse('2013-10-02T00:00:00Z') },
    });
  });

  it('reads instants with their offset, in UTC', () => {
    expect(queryRange('2013-10-01T09:00:00+09:00', undefined)).toEqual({ from: { iso: '2013-10-01T00:00:00.000Z', millis: Date.parse('2013-10-01T00:00:00Z') }, to: null });
    expect(instantParam('asOf', '2013-10-01').iso).toBe('2013-10-01T00:00:00.000Z');
  });

  it('refuses impossible dates, garbage and an empty range, naming every field at fault', () => {
    expect(problemOf(() => queryRange('2013-02-30', 'soon')).errors).toEqual([
      { field: 'from', message: 'from is not a valid date or instant' },
      { field: 'to', message: 'to is not a valid date or instant' },
    ]);
    expect(problemOf(() => queryRange('2013-10-02', '2013-10-01')).errors).toEqual([{ field: 'to', message: 'to must be after from' }]);
    expect(problemOf(() => instantParam('asOf', 'yesterday'))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'asOf' }] });
  });
});
