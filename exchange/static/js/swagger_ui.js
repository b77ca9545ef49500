/* Starts Swagger UI on /api/v1/docs with the settings from #swagger-ui-config (flask-smorest's
   spec URL and OPENAPI_SWAGGER_UI_CONFIG), kept out of the page so the CSP needs no inline
   script. SwaggerUIBundle is the global of the vendor's bundle script. */
import { readJson } from "./common/page.js";

const settings = readJson("swagger-ui-config");
const config = Object.assign({}, settings.base, settings.override || {});
window.ui = window.SwaggerUIBundle(config);
