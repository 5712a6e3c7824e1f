/**
 * A form carrying a password is inert until React has hydrated it: a click
 * between the first paint and hydration would otherwise submit it the
 * browser's own way (a full-page post, while the page's script is about to
 * take over), so it does nothing and the next click goes through the
 * script. The root layout runs `inertUntilHydratedScript` (inline, before
 * any form is parsed); `SecretForm` marks its form and says when it is
 * hydrated. With JavaScript off the script never runs, and the form posts
 * to its route like any server-rendered form.
 */
export const inertUntilHydratedAttribute = "data-inert-until-hydrated";
export const hydratedAttribute = "data-hydrated";

export const inertUntilHydratedScript = `document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.hasAttribute("${inertUntilHydratedAttribute}") && !form.hasAttribute("${hydratedAttribute}")) event.preventDefault();
}, true);`;
