/* The capacity pages: shelters with live occupancy bars, a shelter's room plan, person
   search and detail with activities, the registry import, and the district dashboard.
   Each page names itself in #page-config (`page`); texts come from #page-strings. */
import { config } from "../common/page.js";
import { dashboardPage } from "./dashboard.js";
import { importPage } from "./import.js";
import { personPage, personsPage } from "./persons.js";
import { planPage } from "./plan.js";
import { sheltersPage } from "./shelters.js";
import { sizeServerBars } from "./shared.js";

const PAGES = {
  shelters: sheltersPage, plan: planPage, persons: personsPage, person: personPage,
  import: importPage, dashboard: dashboardPage,
};

sizeServerBars();
if (PAGES[config.page]) PAGES[config.page]();
