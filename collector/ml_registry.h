/* ml_registry.h -- the unit registry (registry.ini): units, agent keys, client keys with roles, and
   gateway keys (massline-web) that ask on behalf of an account. */
#ifndef ML_REGISTRY_H
#define ML_REGISTRY_H

#include <stddef.h>

#include "ml_event.h"
#include "ml_keys.h"

typedef struct ml_registry ml_registry_t;

//  The longest account name a gateway may name (bytes of UTF-8).
#define ML_ACCOUNT_MAX 48

typedef enum { ML_PRINCIPAL_AGENT = 1, ML_PRINCIPAL_CLIENT = 2, ML_PRINCIPAL_GATEWAY = 3 } ml_principal_kind_t;
typedef enum { ML_ROLE_NONE = 0, ML_ROLE_STAFF = 1, ML_ROLE_AUDITOR = 2, ML_ROLE_REVIEWER = 3,
               ML_ROLE_LEADER = 4 } ml_role_t;

//  A unit: [unit ID] with its name.
typedef struct {
    char id[ML_ID_MAX + 1];
    char *name;                         //  the name as written (UTF-8); the id when not given
} ml_unit_t;

//  A key holder: [agent ID], [client ID] or [gateway ID].
typedef struct {
    ml_principal_kind_t kind;
    char id[ML_ID_MAX + 1];
    char unit[ML_ID_MAX + 1];           //  agents: the only unit this key may write
    ml_role_t role;                     //  clients: staff, auditor, reviewer or leader
    char key[ML_KEY_LEN + 1];           //  Z85 public key
    char user_id[ML_ID_MAX + 64];       //  ZAP user id: "agent:H001", "client:admin", "gateway:web";
                                        //  on behalf of an account: "王芳@gateway:web"
} ml_principal_t;

//  Loads the registry at PATH. On failure returns NULL and writes into ERR one line
//  "PATH:LINE: reason" (a duplicate or malformed entry, an unknown role, a bad Z85 key, an agent
//  without a unit or with a unit the file does not declare, ...).
ml_registry_t *ml_registry_load (const char *path, char *err, size_t errlen);

//  Frees the registry and sets *SELF_P to NULL. Safe on NULL.
void ml_registry_destroy (ml_registry_t **self_p);

//  Units in file order: the count and the I-th one.
size_t ml_registry_unit_count (const ml_registry_t *self);
const ml_unit_t *ml_registry_unit_at (const ml_registry_t *self, size_t i);

//  The unit with id ID, or NULL.
const ml_unit_t *ml_registry_unit (const ml_registry_t *self, const char *id);

//  Principals in file order: the count and the I-th one.
size_t ml_registry_principal_count (const ml_registry_t *self);
const ml_principal_t *ml_registry_principal_at (const ml_registry_t *self, size_t i);

//  How many principals of KIND there are.
size_t ml_registry_count (const ml_registry_t *self, ml_principal_kind_t kind);

//  The principal holding Z85 public KEY, or NULL.
const ml_principal_t *ml_registry_by_key (const ml_registry_t *self, const char *key);

//  The principal with ZAP user id USER_ID ("agent:H001"), or NULL.
const ml_principal_t *ml_registry_by_user_id (const ml_registry_t *self, const char *user_id);

//  The role named NAME ("staff", "auditor", ...) into *ROLE: 0, or ML_EINVAL when unknown.
int ml_registry_role_parse (const char *name, ml_role_t *role);

//  Builds into *OUT the principal that a query from GATEWAY (a gateway key) on behalf of ACCOUNT
//  with ROLE (a client role, or "unit" with UNIT) is judged as: a client with that role, or for
//  "unit" an agent of UNIT (what that unit's own key may ask). Returns 0, or ML_EPERM when
//  GATEWAY is no gateway key, ML_EINVAL (with one line in ERR) for a missing or bad account,
//  role or unit.
int ml_registry_on_behalf (const ml_registry_t *self, const ml_principal_t *gateway,
                           const char *account, const char *role, const char *unit,
                           ml_principal_t *out, char *err, size_t errlen);

//  True when ID is a valid unit, agent or client id: 1..64 bytes of [A-Za-z0-9._-].
bool ml_registry_id_ok (const char *id);

#endif
