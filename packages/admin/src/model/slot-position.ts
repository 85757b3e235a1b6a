/** Where a slot widget goes on its page: above the content (default), in a column beside it, or below it (a widget class's static `position`). */
export type SlotPosition = "above" | "beside" | "below";

/** The positions, in the order the pages lay them out. */
export const SLOT_POSITIONS: readonly SlotPosition[] = ["above", "beside", "below"];
