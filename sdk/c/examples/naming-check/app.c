// A scorecard `check` plugin in C: naming conventions of catalog entities.
//
// Built with clang + wasi-libc (Debian packages), bindings from `wit-bindgen c`, linked into
// a component by `wasm-component-ld` (shipped with Rust's wasm32-wasip2 target); see build.sh.
// Memory: every string and list returned to the host is malloc'ed (the generated bindings
// free them after the call); the entity argument is ours to free.

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MAX_NAME 63

typedef exports_portico_plugin_checks_check_info_t check_info_t;
typedef exports_portico_plugin_checks_check_result_t check_result_t;

static void info(check_info_t *out, const char *id, const char *title, const char *description) {
  check_string_dup(&out->id, id);
  check_string_dup(&out->title, title);
  check_string_dup(&out->description, description);
}

void exports_portico_plugin_checks_list_checks(exports_portico_plugin_checks_list_check_info_t *ret) {
  ret->len = 2;
  ret->ptr = calloc(ret->len, sizeof(check_info_t));
  info(&ret->ptr[0], "name-format", "Name format",
       "Lowercase letters, digits and single dashes, starting with a letter, at most 63 characters.");
  info(&ret->ptr[1], "team-namespace", "Team namespace",
       "Entities live in their team's namespace rather than `default`.");
}

// Why `name` breaks the naming rules, or NULL when it follows them.
static const char *name_problem(const check_string_t *name) {
  if (name->len == 0) return "the name is empty";
  if (name->len > MAX_NAME) return "the name is longer than 63 characters";
  if (name->ptr[0] < 'a' || name->ptr[0] > 'z') return "the name must start with a lowercase letter";
  for (size_t i = 0; i < name->len; i++) {
    uint8_t c = name->ptr[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return "the name may only contain lowercase letters, digits and dashes";
    if (c == '-' && (i + 1 == name->len || name->ptr[i + 1] == '-'))
      return "dashes must separate words (no trailing or double dash)";
  }
  return NULL;
}

static void result(check_result_t *out, const char *id, uint8_t outcome, const char *message) {
  check_string_dup(&out->check_id, id);
  out->outcome = outcome;
  check_string_dup(&out->message, message);
  out->url.is_some = false;
}

bool exports_portico_plugin_checks_evaluate(exports_portico_plugin_checks_entity_t *entity,
                                            exports_portico_plugin_checks_list_check_result_t *ret,
                                            exports_portico_plugin_checks_plugin_error_t *err) {
  (void)err;  // this plugin has no failure of its own
  ret->len = 2;
  ret->ptr = calloc(ret->len, sizeof(check_result_t));

  const char *problem = name_problem(&entity->ref.name);
  char message[160];
  if (problem) {
    snprintf(message, sizeof message, "%.*s: %s", (int)(entity->ref.name.len > 60 ? 60 : entity->ref.name.len),
             (const char *)entity->ref.name.ptr, problem);
    result(&ret->ptr[0], "name-format", EXPORTS_PORTICO_PLUGIN_CHECKS_OUTCOME_FAIL, message);
  } else {
    result(&ret->ptr[0], "name-format", EXPORTS_PORTICO_PLUGIN_CHECKS_OUTCOME_PASS, "the name follows the rules");
  }

  const check_string_t *ns = &entity->ref.namespace_;
  if (ns->len == 7 && memcmp(ns->ptr, "default", 7) == 0) {
    result(&ret->ptr[1], "team-namespace", EXPORTS_PORTICO_PLUGIN_CHECKS_OUTCOME_WARN,
           "the entity is in the `default` namespace: move it to its team's namespace");
  } else {
    snprintf(message, sizeof message, "in namespace %.*s", (int)(ns->len > 60 ? 60 : ns->len), (const char *)ns->ptr);
    result(&ret->ptr[1], "team-namespace", EXPORTS_PORTICO_PLUGIN_CHECKS_OUTCOME_PASS, message);
  }

  exports_portico_plugin_checks_entity_free(entity);
  return true;
}
