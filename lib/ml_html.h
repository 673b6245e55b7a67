/* ml_html.h -- HTML built safely: a growing buffer and ONE formatter whose only way to insert text
   is escaped. The web programs (massline-web, the unit desk) build every page with it.

   ml_html_f knows no %s. Its conversions:
     %t  text, escaped for element content (& < > " ')
     %a  text, escaped for a double-quoted attribute value (also control characters, `, =)
     %u  text, percent-encoded for a URL path segment or query value (then attribute-safe)
     %r  raw: trusted markup built by this program (a fragment from another ml_html_t, a literal)
     %d  int   %L  long long   %F  double with one decimal   %%  a '%'
   A NULL string argument prints nothing. */
#ifndef ML_HTML_H
#define ML_HTML_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ml_html ml_html_t;

//  A new empty buffer, or NULL when out of memory.
ml_html_t *ml_html_new (void);

//  Frees the buffer and sets *SELF_P to NULL. Safe on NULL.
void ml_html_destroy (ml_html_t **self_p);

//  Appends FMT with its arguments (see above). After an allocation failure the buffer stays
//  failed: later calls do nothing and ml_html_take returns NULL.
void ml_html_f (ml_html_t *self, const char *fmt, ...);

//  The text so far (borrowed; "" when failed), and its length.
const char *ml_html_str (const ml_html_t *self);
size_t ml_html_len (const ml_html_t *self);

//  Hands out the text (the caller's to free, *LEN its length) and destroys the buffer; NULL when
//  an allocation failed.
char *ml_html_take (ml_html_t **self_p, size_t *len);

//  The two escapers ml_html_f uses, for callers that build text elsewhere: append S escaped for
//  element content / for an attribute value to SELF.
void ml_html_text (ml_html_t *self, const char *s);
void ml_html_attr (ml_html_t *self, const char *s);

#endif
