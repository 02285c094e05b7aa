declare const snapshotTag: unique symbol;

/**
 * A record another service returned (its proto message), carried unchanged from the adapter
 * that read it to the adapter that puts it into an event (e.g. the ticket in SlaWarningEvent).
 * The application never looks inside: it uses the fields its ports expose next to it.
 */
export interface Snapshot<Tag extends string> {
  readonly [snapshotTag]: Tag;
}
