/*
 * Fake exchanges for riptd's tests without sockets: a request made by hand
 * (method, authority, path, :protocol, header fields) that records what the
 * server answers, writes and sends, and whose body, datagrams and close the
 * test delivers when it likes. They are real ript_http_exchange objects,
 * made through the transport's backend contract (http_internal.h), so the
 * code under test cannot tell them from HTTP/3 or HTTP/2 ones.
 */
#ifndef RIPTD_FAKE_HTTP_H
#define RIPTD_FAKE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/http.h"

enum { FAKE_MAX_DATAGRAMS = 256 };

typedef struct fake_ex {
  ript_http_exchange *ex; /* NULL once closed */
  /* what the server did */
  int status;             /* 0 until it responded */
  int ended;              /* it ended its body (or answered with no body) */
  int reset;              /* it reset the exchange */
  ript_buf body;          /* the response body so far */
  size_t ndatagrams;
  ript_buf datagrams[FAKE_MAX_DATAGRAMS];
  /* what the fake peer did */
  size_t max_datagram;    /* 0: no datagrams (HTTP/2, or not CONNECT) */
  int body_ended;
  int close_error;        /* the error on_close got */
  struct fake_ex *next;   /* every fake of the test */
} fake_ex;

/* A request: |protocol| NULL unless extended CONNECT; |headers| "name:
 * value" strings, NULL-terminated (may be NULL). |max_datagram| > 0 makes
 * it an HTTP/3 CONNECT that carries datagrams. The server-side exchange is
 * f->ex; the test hands it to the code under test. */
fake_ex *fake_request(const char *method, const char *authority,
                      const char *path, const char *protocol,
                      const char *const *headers, size_t max_datagram);

/* The peer sends body bytes / ends its body / sends a datagram. */
void fake_send_body(fake_ex *f, const void *data, size_t len);
void fake_end_body(fake_ex *f);
void fake_send_datagram(fake_ex *f, const void *data, size_t len);

/* The exchange closes (|error| 0: both sides completed; RIPT_ERR_HTTP_RESET
 * the peer reset it). Nothing happens once it is closed. */
void fake_close(fake_ex *f, int error);

/* Closes every open fake the way the server ended it (complete when the
 * server ended its body, else reset), and frees every fake. */
void fake_close_all(void);

/* Closes the fakes the server completed (ended its body after the peer
 * ended its own, or reset): what the HTTP stack does when a stream ends. */
void fake_settle(void);

#endif /* RIPTD_FAKE_HTTP_H */
