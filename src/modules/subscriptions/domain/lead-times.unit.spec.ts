import { leadTimeError, leadTimesErrors, normaliseLeadTimes } from './lead-times';

describe('lead times (contract: ISO-8601, PT5M..P30D, at most 5)', () => {
  it.each(['PT5M', 'PT30M', 'PT2H', 'P1D', 'P1W', 'P30D', 'P1DT12H', 'PT720H'])('accepts %s', (v) => expect(leadTimeError(v)).toBeNull());

  it.each([
    ['PT1M', 'between PT5M and P30D'],
    ['PT4M59S', 'between PT5M and P30D'],
    ['P31D', 'between PT5M and P30D'],
    ['PT721H', 'between PT5M and P30D'],
    ['P1M', 'not months or years'],
    ['P1Y', 'not months or years'],
    ['1 day', 'not an ISO-8601 duration'],
    ['', 'not an ISO-8601 duration'],
  ])('refuses %s', (v, why) => expect(leadTimeError(v)).toContain(why));

  it('refuses more than 5 and an empty list', () => {
    expect(leadTimesErrors(['PT5M', 'PT10M', 'PT1H', 'P1D', 'P2D'])).toEqual([]);
    expect(leadTimesErrors(['PT5M', 'PT10M', 'PT1H', 'P1D', 'P2D', 'P3D'])).toContain('at most 5 lead times');
    expect(leadTimesErrors([])).toHaveLength(1);
  });

  it('normalises to shortest first without equal durations', () => {
    expect(normaliseLeadTimes(['P1D', 'PT2H', 'PT24H', 'PT5M'])).toEqual(['PT5M', 'PT2H', 'P1D']);
  });
});
