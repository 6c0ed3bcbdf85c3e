/* The root document: what GET {root} answers without a token. */
#include <string.h>

#include "doc_json.h"

static const char ROOT_EXP_TGS[] = "\"providertgs\" as an https URI";
static const char ROOT_EXP_OAUTH[] = "\"oauth\" as an https URI";

void ript_doc_root_init(ript_doc_root *root) {
  memset(root, 0, sizeof(*root));
}

void ript_doc_root_free(ript_doc_root *root) {
  if (!root)
    return;
  ript_doc_store_free(&root->store);
  ript_doc_root_init(root);
}

static int root_check(const ript_doc_in *in, const ript_doc_root *root) {
  ript_doc_at at_tgs = {&ript_doc_at_root, "providertgs", 0};
  ript_doc_at at_oauth = {&ript_doc_at_root, "oauth", 0};
  int rv = ript_doc_check_uri(in, &at_tgs, root->providertgs, 1, 0,
                              ROOT_EXP_TGS);
  return rv != 0 ? rv
                 : ript_doc_check_uri(in, &at_oauth, root->oauth, 1, 0,
                                      ROOT_EXP_OAUTH);
}

static int root_extract(ript_doc_in *in, json_t *json, void *doc) {
  ript_doc_root *root = doc;
  int rv = ript_doc_get_string(in, json, &ript_doc_at_root, "providertgs",
                               ROOT_EXP_TGS, &root->providertgs);
  if (rv == 0)
    rv = ript_doc_get_string(in, json, &ript_doc_at_root, "oauth",
                             ROOT_EXP_OAUTH, &root->oauth);
  return rv != 0 ? rv : root_check(in, root);
}

int ript_doc_root_parse(ript_doc_root *root, const char *json, size_t len,
                        size_t max_len, ript_parse_error *err,
                        const ript_mem *mem) {
  if (!root)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_doc_root_init(root);
  int rv = ript_doc_parse(json, len, max_len, err, mem, &root->store,
                          root_extract, root);
  if (rv != 0)
    ript_doc_root_init(root);
  return rv;
}

int ript_doc_root_write(const ript_doc_root *root, ript_buf *out) {
  if (!root || !out)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = root_check(NULL, root);
  if (rv != 0)
    return rv;
  return ript_doc_dump(json_pack("{s:s, s:s}", "providertgs",
                                 root->providertgs, "oauth", root->oauth),
                       out);
}
