/* Starts Swagger UI on /api/v1/docs with the settings from #swagger-ui-config (flask-smorest's
   spec URL and OPENAPI_SWAGGER_UI_CONFIG), kept out of the page so the CSP needs no inline script. */
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  var config = Object.assign({}, settings.base, settings.override || {});
  window.ui = window.SwaggerUIBundle(config);
})();
