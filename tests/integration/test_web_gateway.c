/* test_web_gateway.c -- massline-web's gateway key at the collector: it asks only on behalf of an
   account, is judged exactly as that account (a unit account reads only its unit), both are
   logged, and no other key may name an account. */
#include "ml_client.h"
#include "ml_harness.h"
#include "ml_keys.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char pub[ML_KEY_LEN + 1];
    char secret[ML_KEY_LEN + 1];
    char collector[ML_KEY_LEN + 1];
    char *query;
} s_keys_t;

//  The key pair in the bureau's PREFIX.pub/.key ("keys/web", "staff/admin").
static void
s_load (s_keys_t *k, const char *prefix)
{
    char err[512];
    const char *dir = ml_h_bureau ();
    cr_assert_eq (ml_key_read_public (ml_h_str ("%s/%s.pub", dir, prefix), k->pub, err, sizeof err), 0, "%s", err);
    cr_assert_eq (ml_key_read_secret (ml_h_str ("%s/%s.key", dir, prefix), k->secret, err, sizeof err), 0, "%s", err);
    cr_assert_eq (ml_key_read_public (ml_h_str ("%s/keys/collector.pub", dir), k->collector, err, sizeof err), 0,
                  "%s", err);
    k->query = ml_h_ini_get (ml_h_collector_ini (), "query");
}

//  Asks COMMAND (ARG) as KEYS on behalf of ACCOUNT/ROLE/UNIT; returns the error code ("" when
//  answered).
static const char *
s_ask (const s_keys_t *keys, const char *account, const char *role, const char *unit,
       const char *command, char *arg1, char *arg2)
{
    static char code[64];
    char msg[1024];
    char *args[2] = { arg1, arg2 };
    ml_client_peer_t peer = { keys->query, keys->collector, keys->pub, keys->secret, 10000, NULL,
                              account, role, unit };
    json_t *json = ml_client_call (&peer, command, arg2 ? 2 : 1, args, code, sizeof code, msg, sizeof msg);
    if (json)
        code[0] = 0;
    json_decref (json);
    return code;
}

Test (integration, gateway_is_judged_as_its_account, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_keys_t web, admin;
    s_load (&web, "keys/web");
    s_load (&admin, "staff/admin");
    char year[] = "year=2025", h1[] = "unit=H001", h2[] = "unit=H002";

    //  a staff account reads the roll-up; the gateway alone reads nothing
    cr_expect_str_eq (s_ask (&web, "王芳", "staff", NULL, "report rollup", year, NULL), "");
    cr_expect_str_eq (s_ask (&web, NULL, NULL, NULL, "report rollup", year, NULL), "denied");
    //  a unit account: its own unit-annual, nothing of another unit, no roll-up
    cr_expect_str_eq (s_ask (&web, "h1", "unit", "H001", "report unit-annual", h1, year), "");
    cr_expect_str_eq (s_ask (&web, "h1", "unit", "H001", "report unit-annual", h2, year), "denied");
    cr_expect_str_eq (s_ask (&web, "h1", "unit", "H001", "report rollup", year, NULL), "denied");
    //  a staff account may not draw samples (auditors only), as a staff key may not
    char size[] = "size=3";
    cr_expect_str_eq (s_ask (&web, "王芳", "staff", NULL, "sample draw", year, size), "denied");
    //  a made-up role, a unit that is not registered, a name with a line break
    cr_expect_str_eq (s_ask (&web, "王芳", "root", NULL, "report rollup", year, NULL), "denied");
    cr_expect_str_eq (s_ask (&web, "h9", "unit", "H999", "report rollup", year, NULL), "denied");
    cr_expect_str_eq (s_ask (&web, "a\nb", "staff", NULL, "report rollup", year, NULL), "denied");
    //  another key naming an account is refused, whatever it could do itself
    cr_expect_str_eq (s_ask (&admin, "王芳", "staff", NULL, "report rollup", year, NULL), "denied");
    cr_expect_str_eq (s_ask (&admin, NULL, NULL, NULL, "report rollup", year, NULL), "");

    //  the log names both the gateway and the account
    ml_h_collector_stop (SIGTERM);
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert_not_null (strstr (log, "query report rollup year=2025 by gateway:web for account 王芳 (staff)"),
                        "%s", log);
    cr_assert_not_null (strstr (log, "by gateway:web for account h1 (unit H001) refused: denied"), "%s", log);
    ml_h_pass ();
}

//  Asks COMMAND with NARGS ARGS as KEYS (on behalf of ACCOUNT/ROLE/UNIT when given); returns the
//  JSON answer, or NULL with the error code in CODE.
static json_t *
s_call (const s_keys_t *keys, const char *account, const char *role, const char *unit,
        const char *command, int nargs, char **args, char *code)
{
    char msg[1024];
    ml_client_peer_t peer = { keys->query, keys->collector, keys->pub, keys->secret, 10000, NULL,
                              account, role, unit };
    json_t *json = ml_client_call (&peer, command, nargs, args, code, 64, msg, sizeof msg);
    if (json)
        code[0] = 0;
    return json;
}

//  report watchlist limit=N (the dashboard's 50 rows): the first N rows of the whole list, in its
//  order, and rows_total beside them; a bad limit is refused; who may ask is unchanged. And the
//  store's generation, answered to every asker.
Test (integration, watchlist_limit_and_generation, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_keys_t web, admin;
    s_load (&web, "keys/web");
    s_load (&admin, "staff/admin");
    char code[64], year[] = "year=2025", one[] = "limit=1", none[] = "limit=0", bad[] = "limit=x",
         neg[] = "limit=-1", huge[] = "limit=50000";
    //  the store's generation grows with H001's demo year delivered
    json_t *g0 = s_call (&admin, NULL, NULL, NULL, "generation", 0, NULL, code);
    cr_assert (g0 && json_is_integer (json_object_get (g0, "generation")), "%s", code);
    ml_h_out_t out;
    const char *demo = ml_h_str ("%s/ops/demo-data/H001.jsonl", getenv ("MASSLINE_SOURCE_ROOT"));
    cr_assert_eq (ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "import", demo, NULL), 0,
                  "%s", out.err);
    cr_assert_eq (ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", "--timeout", "60",
                            NULL), 0, "%s", out.err);
    json_t *all = s_call (&admin, NULL, NULL, NULL, "report watchlist", 1, (char *[]) { year }, code);
    cr_assert (all, "%s", code);
    const json_t *rows = json_object_get (all, "rows");
    size_t n = json_array_size (rows);
    cr_assert_geq (n, 2, "H001's demo year has unmet rules");
    cr_assert_null (json_object_get (all, "rows_total"), "no rows_total without limit=");

    json_t *first = s_call (&admin, NULL, NULL, NULL, "report watchlist", 2, (char *[]) { year, one }, code);
    cr_assert (first, "%s", code);
    cr_assert_eq (json_array_size (json_object_get (first, "rows")), 1);
    cr_assert (json_equal (json_array_get (json_object_get (first, "rows"), 0), json_array_get (rows, 0)));
    cr_assert_eq (json_integer_value (json_object_get (first, "rows_total")), (json_int_t) n);
    cr_assert (json_equal (json_object_get (first, "units"), json_object_get (all, "units")));
    cr_assert_str_eq (json_string_value (json_object_get (first, "report")), "watchlist");
    json_decref (first);

    json_t *zero = s_call (&web, "王芳", "staff", NULL, "report watchlist", 2, (char *[]) { none, year }, code);
    cr_assert (zero, "%s", code);
    cr_assert_eq (json_array_size (json_object_get (zero, "rows")), 0);
    cr_assert_eq (json_integer_value (json_object_get (zero, "rows_total")), (json_int_t) n);
    json_decref (zero);
    json_t *more = s_call (&admin, NULL, NULL, NULL, "report watchlist", 2, (char *[]) { year, huge }, code);
    cr_assert (more && json_equal (json_object_get (more, "rows"), rows), "%s", code);
    json_decref (more);

    cr_assert_null (s_call (&admin, NULL, NULL, NULL, "report watchlist", 2, (char *[]) { year, bad }, code));
    cr_expect_str_eq (code, "invalid");
    cr_assert_null (s_call (&admin, NULL, NULL, NULL, "report watchlist", 2, (char *[]) { year, neg }, code));
    cr_expect_str_eq (code, "invalid");
    cr_assert_null (s_call (&admin, NULL, NULL, NULL, "report watchlist", 3, (char *[]) { year, one, one },
                            code));
    cr_expect_str_eq (code, "invalid");
    cr_assert_null (s_call (&web, "h1", "unit", "H001", "report watchlist", 2, (char *[]) { year, one }, code));
    cr_expect_str_eq (code, "denied");
    json_decref (all);

    //  the generation: a number, for a staff key and for a unit account alike
    json_t *g = s_call (&admin, NULL, NULL, NULL, "generation", 0, NULL, code);
    cr_assert (g && json_is_integer (json_object_get (g, "generation")), "%s", code);
    json_t *gu = s_call (&web, "h1", "unit", "H001", "generation", 0, NULL, code);
    cr_assert (gu && json_is_integer (json_object_get (gu, "generation")), "%s", code);
    cr_assert_geq (json_integer_value (json_object_get (gu, "generation")),
                   json_integer_value (json_object_get (g, "generation")));
    cr_assert_gt (json_integer_value (json_object_get (g, "generation")),
                  json_integer_value (json_object_get (g0, "generation")), "an ingest is a new generation");
    json_decref (g0);
    json_decref (g);
    json_decref (gu);
    ml_h_collector_stop (SIGTERM);
    ml_h_pass ();
}
