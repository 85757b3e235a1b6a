import type { Params } from "../../live/types.js";
import type { NavApp } from "../site.js";
import { AdminView } from "./base.js";

/**
 * The admin index, as Django's: the apps and models the user may view. With `app` in the
 * params (`/admin/<app>/`) it shows that app only.
 */
export class DashboardView extends AdminView<{ apps: NavApp[]; app: string | null; prefix: string }> {
  static template = new URL("../../../src/admin/templates/dashboard.eta", import.meta.url);
  static title = "Dashboard";

  mount(params: Params) {
    const app = params.app ?? null;
    const apps = this.site.nav(this.user).filter((a) => !app || a.app === app);
    return { apps, app, prefix: this.site.prefix };
  }
}
