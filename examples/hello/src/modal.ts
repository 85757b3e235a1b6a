import { LiveView } from "@weft/server";

/**
 * A dialog opened and closed by JS commands: the browser shows and hides it without asking
 * the server, and keeps it open while the server re-renders what is inside.
 */
export class Modal extends LiveView<{ likes: number; saved: number }> {
  static template = "modal.eta";
  static title = "Modal";
  mount() { return { likes: 0, saved: 0 }; }
  events = {
    like: () => this.assign({ likes: this.assigns.likes + 1 }),
    save: () => this.assign({ saved: this.assigns.saved + 1 }),
  };
}
