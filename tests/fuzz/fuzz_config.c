/* fuzz_config.c -- libFuzzer target: INI files through ml_config_load (a table with options of
   every type: STR, PATH, INT, KEY; required ones and ones with defaults) and through
   ml_ini_parse with a handler that counts and checks the line numbers it is given.
   Every '/' of the input is written as '_': a KEY option names a file that is opened and read,
   and a fuzzer-made path like /dev/tty or a FIFO would only block. Relative names still reach
   the key file placed beside the INI file (peer.pub) and files that are not keys. */
#include <stddef.h>

#include "fuzz_common.h"
#include "ml_config.h"
#include "ml_err.h"
#include "ml_keys.h"

typedef struct {
    char *id;
    char *unit;
    char *outbox;
    char *data_dir;
    char *collector_key;
    char *peer_key;
    long batch_size;
    long window;
    long map_size_mb;
    char *name;
} s_conf_t;

static const ml_opt_t s_opts[] = {
    { "agent", "id", ML_OPT_STR, NULL, offsetof (s_conf_t, id), "agent id" },
    { "agent", "unit", ML_OPT_STR, "H001", offsetof (s_conf_t, unit), "unit" },
    { "agent", "outbox", ML_OPT_PATH, "outbox", offsetof (s_conf_t, outbox), "outbox folder" },
    { "agent", "collector_key", ML_OPT_KEY, NULL, offsetof (s_conf_t, collector_key), "key" },
    { "agent", "peer_key", ML_OPT_KEY, "peer.pub", offsetof (s_conf_t, peer_key), "key" },
    { "agent", "batch_size", ML_OPT_INT, "1000", offsetof (s_conf_t, batch_size), "events" },
    { "agent", "window", ML_OPT_INT, NULL, offsetof (s_conf_t, window), "batches" },
    { "collector", "data_dir", ML_OPT_PATH, NULL, offsetof (s_conf_t, data_dir), "LMDB" },
    { "collector", "map_size_mb", ML_OPT_INT, "4096", offsetof (s_conf_t, map_size_mb), "MB" },
    { "unit H001", "name", ML_OPT_STR, "", offsetof (s_conf_t, name), "unit name" },
    { NULL, NULL, ML_OPT_STR, NULL, 0, NULL },
};

typedef struct {
    int pairs;
    int last_line;
} s_count_t;

static int
s_count (void *user, const char *section, const char *name, const char *value, int lineno)
{
    s_count_t *count = user;
    if (lineno < 1 || lineno < count->last_line)
        abort ();                       //  line numbers start at 1 and never go back
    count->last_line = lineno;
    count->pairs++;
    (void) (strlen (section) + strlen (name) + strlen (value));
    return strcmp (name, "stop") != 0;  //  a handler error ends the parse at that line
}

static void
s_check_loaded (const s_conf_t *conf)
{
    //  A loaded configuration has every string option set and keys of the right form.
    if (!conf->id || !conf->unit || !conf->outbox || !conf->data_dir || !conf->name
        || !ml_key_is_z85 (conf->collector_key) || !ml_key_is_z85 (conf->peer_key))
        abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static bool keyed;
    if (!keyed) {
        static const char key[] = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\n";
        fuzz_write ("peer.pub", (const uint8_t *) key, sizeof key - 1);
        keyed = true;
    }
    uint8_t *text = malloc (size ? size : 1);
    if (!text)
        return 0;
    for (size_t i = 0; i < size; i++)
        text[i] = data[i] == '/' ? '_' : data[i];
    const char *path = fuzz_write ("agent.ini", text, size);
    free (text);

    s_conf_t conf;
    memset (&conf, 0, sizeof conf);
    char err[512] = "";
    int rc = ml_config_load (path, s_opts, &conf, err, sizeof err);
    if (rc == ML_OK) {
        s_check_loaded (&conf);
        ml_config_free (s_opts, &conf);
    }
    else {
        if (rc != ML_EINVAL || !err[0])
            abort ();                   //  a refused file always says why
        //  Refused: nothing is left allocated.
        if (conf.id || conf.unit || conf.outbox || conf.collector_key || conf.peer_key
            || conf.data_dir || conf.name)
            abort ();
    }
    ml_config_free (s_opts, &conf);     //  safe to call twice

    s_count_t count = { 0, 0 };
    rc = ml_ini_parse (path, s_count, &count);
    if (rc < 0)
        abort ();                       //  the file is there
    unlink (path);
    return 0;
}
