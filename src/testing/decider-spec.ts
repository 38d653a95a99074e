import { DomainError } from '../common/domain/domain-error';
import type { Decider } from '../events/aggregate';
import type { NewEvent } from '../events/envelope';

/** What a refusal must look like: its code, and optionally its kind and the field at fault. */
export interface ExpectedRefusal<Code extends string = string> {
  code: Code;
  kind?: DomainError['kind'];
  field?: string;
}

export interface DeciderThen<E> {
  /** The command is accepted and decides exactly these events (which must fold onto the state). */
  then(expected: E[]): void;
  /** The command is accepted and changes nothing. */
  thenNothing(): void;
  /** The command is refused with this DomainError. */
  thenThrows<Code extends string>(expected: ExpectedRefusal<Code>): void;
}

export interface DeciderGiven<C, E> {
  when(command: C): DeciderThen<E>;
}

/**
 * A decider's rules read as sentences, in the manner of Emmett's DeciderSpecification:
 * `DeciderSpec.for(decider).given(past events).when(command).then(events)`, `.thenNothing()`
 * or `.thenThrows({ code })`. Pure: no store, no Nest, no clock.
 */
export const DeciderSpec = {
  for<S, C, E extends NewEvent>(decider: Decider<S, C, E>) {
    return {
      given(...history: E[]): DeciderGiven<C, E> {
        const state = history.reduce(decider.evolve, decider.initialState);
        return {
          when(command: C): DeciderThen<E> {
            const decided = (): E[] => {
              const events = decider.decide(state, command);
              // Whatever is decided must also fold onto the state it was decided from.
              events.reduce(decider.evolve, state);
              return events;
            };
            return {
              then: (expected) => expect(decided()).toEqual(expected),
              thenNothing: () => expect(decided()).toEqual([]),
              thenThrows: (expected) => {
                let thrown: unknown;
                try {
                  decider.decide(state, command);
                } catch (err) {
                  thrown = err;
                }
                expect(thrown).toBeInstanceOf(DomainError);
                const { code, kind, field } = thrown as DomainError;
                const asked = Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined));
                expect({ code, kind, field }).toMatchObject(asked);
              },
            };
          },
        };
      },
    };
  },
};
