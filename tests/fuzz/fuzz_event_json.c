/* fuzz_event_json.c -- libFuzzer target: one JSONL line through ml_event_from_jsonl, then
   ensure_ref, validate, pack -> unpack -> to_json -> from_json -> pack.
   Properties (abort when broken): a parsed event packs, its bytes unpack, repacking the
   unpacked event gives the same bytes, its JSON form parses back to the same bytes, and
   ensure_ref is stable (the same content gives the same ref). */
#include <jansson.h>

#include "fuzz_common.h"
#include "ml_err.h"

static void
s_differ (const char *what, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    fprintf (stderr, "round trip broken: %s (%zu bytes vs %zu)\n", what, alen, blen);
    (void) a;
    (void) b;
    abort ();
}

static void
s_same (const char *what, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen || memcmp (a, b, alen) != 0)
        s_differ (what, a, alen, b, blen);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    ml_verr_t err;
    memset (&err, 0, sizeof err);
    Massline__Event *ev = ml_event_from_jsonl ((const char *) data, size, &err);
    if (!ev) {
        if (!err.reason[0])
            abort ();                   //  a refused line always says why
        return 0;
    }
    //  Before ensure_ref: the ref it derives must not depend on anything but the content.
    bool had_ref = ev->ref != NULL;
    if (ml_event_ensure_ref (ev) != ML_OK || !ev->ref)
        abort ();
    (void) fuzz_validate (ev);
    (void) ml_event_kind (ev);
    ml_day_t day;
    (void) ml_event_date (ev, &day);

    size_t len1, len2, len3;
    uint8_t *bytes1 = ml_event_pack (ev, &len1);
    if (!bytes1)
        abort ();
    Massline__Event *unpacked = ml_event_unpack (bytes1, len1, &err);
    if (!unpacked)
        s_differ ("packed event does not unpack", bytes1, len1, NULL, 0);
    uint8_t *bytes2 = ml_event_pack (unpacked, &len2);
    s_same ("pack(unpack(bytes)) != bytes", bytes1, len1, bytes2, len2);

    //  Through JSON: what came from JSON has a JSON form, and it parses to the same event.
    json_t *obj = ml_event_to_json (unpacked);
    if (!obj)
        s_differ ("to_json failed on an event parsed from JSON", bytes1, len1, NULL, 0);
    char *line = json_dumps (obj, JSON_COMPACT);
    if (!line)
        abort ();
    Massline__Event *reparsed = ml_event_from_jsonl (line, strlen (line), &err);
    if (!reparsed) {
        fprintf (stderr, "%s\n  %s: %s\n", line, err.field, err.reason);
        s_differ ("from_json(to_json(ev)) refused", bytes1, len1, NULL, 0);
    }
    uint8_t *bytes3 = ml_event_pack (reparsed, &len3);
    s_same ("pack(from_json(to_json(ev))) != bytes", bytes1, len1, bytes3, len3);

    //  The derived ref: dropping it and deriving again gives the same one.
    if (!had_ref) {
        char *ref = reparsed->ref;
        reparsed->ref = NULL;
        if (ml_event_ensure_ref (reparsed) != ML_OK || strcmp (ref, reparsed->ref) != 0)
            abort ();
        free (ref);
    }

    free (line);
    json_decref (obj);
    free (bytes1);
    free (bytes2);
    free (bytes3);
    ml_event_free (&unpacked);
    ml_event_free (&reparsed);
    ml_event_free (&ev);
    return 0;
}
