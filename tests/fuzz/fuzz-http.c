// SPDX-License-Identifier: MIT
/*
 * The HTTP request handling of grabberd's live view: the input is a request
 * line ("GET /snapshot?stream=a HTTP/1.1").  Its target is parsed the way
 * evhttp parses it for the daemon (evhttp_uri_parse_with_flags with
 * EVHTTP_URI_NONCONFORMANT), then routed by http_route() (daemon/
 * http-route.c), the function request_cb() calls for every request: the
 * path, the method and the query (escapes, unknown and repeated keys).
 */
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "fuzz.h"
#include "grab-proto.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *method, *target, *version;
	struct evhttp_uri *uri;
	struct evkeyvalq kv;
	struct http_query q;
	char why[256];
	bool get_or_head;
	int route;

	FUZZ_CHECK(line);
	memcpy(line, data, size);
	line[size] = 0;
	line[strcspn(line, "\r\n")] = 0;
	/* As evhttp_parse_request_line() splits it: the method up to the
	 * first space, the version after the last one, the target (spaces
	 * and all) between. */
	method = line;
	target = strchr(line, ' ');
	if (!target) {
		free(line);
		return 0;
	}
	*target++ = 0;
	version = strrchr(target, ' ');
	if (version)
		*version = 0;
	get_or_head = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	uri = evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT);
	if (!uri || !evhttp_uri_get_path(uri)) {
		/* request_cb: "malformed request" */
		if (uri)
			evhttp_uri_free(uri);
		free(line);
		return 0;
	}
	route = http_route(evhttp_uri_get_path(uri), evhttp_uri_get_query(uri),
			   get_or_head, &kv, &q, why, sizeof(why));
	if (route < 0) {
		FUZZ_CHECK(route == -HTTP_BADREQUEST ||
			   route == -HTTP_NOTFOUND || route == -HTTP_BADMETHOD);
		FUZZ_CHECK(why[0] && memchr(why, 0, sizeof(why)));
	} else {
		FUZZ_CHECK(route <= HTTP_ROUTE_METRICS);
		FUZZ_CHECK(get_or_head);
		/* What query_stream() and do_stream() then read. */
		if (q.stream)
			(void)grab_stream_name_valid(q.stream);
		if (q.action)
			FUZZ_CHECK(!strcmp(q.action, "stream") ||
				   !strcmp(q.action, "snapshot"));
	}
	evhttp_clear_headers(&kv);
	evhttp_uri_free(uri);
	free(line);
	return 0;
}
