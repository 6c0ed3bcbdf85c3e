#include "ript/error.h"

const char *ript_strerror(int err) {
  switch (err) {
  case 0: return "success";
  case RIPT_ERR_INVALID_ARGUMENT: return "invalid argument";
  case RIPT_ERR_PARSE: return "malformed input";
  case RIPT_ERR_NOBUF: return "output buffer too small";
  case RIPT_ERR_RANGE: return "value out of range";
  case RIPT_ERR_TRUNCATED: return "input ended early";
  case RIPT_ERR_LIMIT: return "limit exceeded";
  case RIPT_ERR_NO_COMMON_MEDIA: return "no media both sides can use";
  case RIPT_ERR_ILLEGAL_EVENT: return "event not allowed in this call state";
  case RIPT_ERR_CALL_TERMINATED: return "call has ended";
  case RIPT_ERR_CALL_NOT_READY: return "call is not set up yet";
  case RIPT_ERR_UNKNOWN_KEY: return "unknown media key id";
  case RIPT_ERR_DECRYPT: return "media chunk failed authentication";
  case RIPT_ERR_CRYPTO: return "crypto library failure";
  case RIPT_ERR_SIGNATURE: return "signature does not verify";
  case RIPT_ERR_STALE: return "PASSporT iat outside the allowed window";
  case RIPT_ERR_NOT_COVERED: return "certificate does not cover the number";
  case RIPT_ERR_UNTRUSTED: return "certificate not trusted";
  case RIPT_ERR_MISMATCH: return "claim does not match the request";
  case RIPT_ERR_HTTP_CLOSED: return "connection closed";
  case RIPT_ERR_HTTP_RESET: return "stream reset by peer";
  case RIPT_ERR_HTTP_STATE: return "not possible on this HTTP exchange";
  case RIPT_ERR_HTTP_TLS: return "TLS failure";
  case RIPT_ERR_HTTP_STATUS: return "server refused the request";
  case RIPT_ERR_NOMEM: return "out of memory";
  case RIPT_ERR_CALLBACK_FAILURE: return "application callback failed";
  default: return "unknown error";
  }
}

int ript_err_is_fatal(int err) { return err <= RIPT_ERR_FATAL; }
