// Starts the NHS.UK frontend's components on every page (base.html loads this file).
// It is a file, not an inline <script>, so a strict Content-Security-Policy
// (script-src 'self') can hold.
//
// The error summary is one of them: on a page that shows one (a form was refused), it
// takes the focus, so a screen reader reads "There is a problem" and the list first.
import {
  ErrorSummary,
  initAll,
} from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

// The frontend's page template adds this class from an inline script in browsers that run
// ES modules; only those browsers run this file, so adding it here means the same.
document.body.classList.add("nhsuk-frontend-supported");
initAll();

// A form sent by htmx (hx-post) that is refused comes back as a 400 holding the form and
// its error summary, as a full page would; htmx drops 4xx answers unless told to swap
// them in. Then focus the summary, as on a full page. Not after a GET: the directory's
// search-as-you-type must not take the focus away from the search box.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const verb = event.detail.requestConfig && event.detail.requestConfig.verb;
  if (verb === "post" && event.detail.xhr.status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.body.addEventListener("htmx:afterSettle", (event) => {
  const verb = event.detail && event.detail.requestConfig && event.detail.requestConfig.verb;
  if (verb !== "post") return;
  const fresh = document.querySelectorAll(
    '[data-module="nhsuk-error-summary"]:not([data-nhsuk-error-summary-init])',
  );
  if (fresh.length) new ErrorSummary(fresh[0]);
});
