/* fuzz_event_kv.c -- libFuzzer target: `massline-agent record KIND key=value...` words.
   The input is NUL-separated words: the first is the kind, the rest key=value words for
   ml_event_from_kv; an event that comes out is validated, packed and turned into JSON. */
#include <jansson.h>

#include "fuzz_common.h"
#include "ml_err.h"

#define S_MAX_WORDS 64

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    //  A private NUL-terminated copy: the words point into it.
    char *copy = malloc (size + 1);
    if (!copy)
        return 0;
    memcpy (copy, data, size);
    copy[size] = 0;
    char *words[S_MAX_WORDS];
    int nwords = 0;
    for (char *p = copy; p <= copy + size && nwords < S_MAX_WORDS; p += strlen (p) + 1)
        words[nwords++] = p;

    ml_verr_t err;
    memset (&err, 0, sizeof err);
    Massline__Event *ev = ml_event_from_kv (words[0], nwords - 1, words + 1, &err);
    if (!ev) {
        if (!err.reason[0])
            abort ();                   //  a refused command line always says why
    }
    else {
        if (ml_event_ensure_ref (ev) != ML_OK)
            abort ();
        int rc = fuzz_validate (ev);
        json_t *obj = ml_event_to_json (ev);
        if (rc == ML_OK && !obj)
            abort ();                   //  a valid event always has a JSON form
        json_decref (obj);
        size_t len;
        free (ml_event_pack (ev, &len));
        ml_event_free (&ev);
    }
    free (copy);
    return 0;
}
