/* test_web_gateway.c -- massline-web's gateway key at the collector: it asks only on behalf of an
   account, is judged exactly as that account (a unit account reads only its unit), both are
   logged, and no other key may name an account. */
#include "ml_client.h"
#include "ml_harness.h"
#include "ml_keys.h"

#include <criterion/criterion.h>
#include <signal.h>
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
