/* ml_ledger.c -- CSV and .xlsx ledgers (台账) to JSON events: encoding detection, libcsv parsing
   with line numbers (ml_xlsx for a workbook's rows), header mapping by English key or Chinese
   name, cell conversion (ml_cell's normal forms, enum labels). */
#include "ml_ledger.h"
#include "ml_cell.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_xlsx.h"
#include "massline.pb-c.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

//  ---------------------------------------------------------------------------
//  The tables: Chinese names of ledgers, columns and enum values.

typedef struct {
    const char *kind;
    const char *name;        //  the ledger's Chinese name, also the template's file name
} s_kind_name_t;

static const s_kind_name_t s_kinds[] = {
    { "person", "人员台账" }, { "org", "党组织台账" }, { "research_plan", "调研计划台账" },
    { "research_trip", "调研台账" }, { "research_report", "调研报告台账" },
    { "work_item", "调研推进工作台账" }, { "results_exchange", "调研成果交流台账" },
    { "contact_point", "联系点台账" }, { "paired_family", "结对家庭台账" },
    { "contact_visit", "联系点走访台账" }, { "practical_deed", "办实事台账" },
    { "secondment", "挂职台账" }, { "secondment_review", "挂职考核台账" },
    { "reception_day", "接访台账" }, { "petition_case", "信访案件台账" },
    { "petition_closed", "信访办结台账" }, { "talk", "谈心谈话台账" },
    { "opinion", "群众意见台账" }, { "opinion_assigned", "意见交办台账" },
    { "opinion_closed", "意见办结台账" }, { "mailbox", "网络信箱台账" },
    { "commitment", "承诺台账" }, { "commitment_fulfilled", "践诺台账" },
    { "commitment_evaluated", "承诺评议台账" }, { "rep_activity", "党代表活动台账" },
    { "exemption", "豁免台账" }, { "appeal", "来信诉求台账" },
    { "case_action", "案件处理台账" }, { "secondment_training", "挂职培训台账" },
    { "secondment_liaison", "挂职联络台账" }, { "rep_studio", "党代表工作室台账" },
    { "activity_day", "统一活动日台账" },
    { "void", "作废台账" },
    { NULL, NULL },
};

typedef struct {
    const char *key;
    const char *label;
} s_label_t;

//  One Chinese header per event key; a key means the same thing in every kind that has it.
static const s_label_t s_columns[] = {
    { "kind", "类型" }, { "ref", "编号" }, { "note", "备注" }, { "supersedes", "更正编号" },
    { "date", "日期" }, { "person", "人员编号" }, { "name", "姓名" }, { "org", "党组织" },
    { "role", "职务类别" }, { "from", "开始日期" }, { "to", "结束日期" }, { "category", "挂职类别" },
    { "frontline", "是否一线" }, { "term_from", "任期开始" }, { "term_to", "任期结束" },
    { "head", "负责人" }, { "end", "调研结束日期" }, { "place", "地点" }, { "stationed", "是否驻点" },
    { "unannounced", "是否随机调研" }, { "topic", "主题" }, { "title", "标题" },
    { "point", "联系点" }, { "family", "结对家庭" }, { "beneficiary", "服务对象" },
    { "host", "挂职单位" }, { "mentor", "导师" }, { "mode", "方式" }, { "announced", "公布日期" },
    { "case", "案件编号" }, { "group_size", "来访人数" }, { "measures", "办理措施" },
    { "responsible", "责任部门" }, { "deadline", "办理时限" }, { "signed_by", "签署领导" },
    { "with", "谈话对象" }, { "with_category", "对象类别" }, { "form", "谈话形式" },
    { "opinion", "意见编号" }, { "channel", "渠道" }, { "department", "承办部门" },
    { "adopted", "是否采纳" }, { "feedback", "反馈日期" }, { "commitment", "承诺编号" },
    { "type", "承诺类型" }, { "published", "公开方式" }, { "content", "承诺内容" },
    { "grade", "评议等次" }, { "method", "评议方式" }, { "activity", "活动类型" },
    { "reason", "原因" }, { "restatement_reason", "重述原因" }, { "month", "月份" },
    { "year", "年度" }, { "filler", "填报人" }, { "reviewer", "审核人" }, { "approver", "负责人" },
    { "reason", "原因" }, { "rule", "条款" }, { "approved_by", "批准人" },
    { "appeal", "诉求编号" }, { "answered", "答复日期" }, { "about", "被反映人" },
    { "action", "处理方式" }, { "secondment", "挂职编号" }, { "studio", "工作室" },
    { "reception_schedule", "固定接待日" }, { "high_profile", "是否重大敏感" },
    { NULL, NULL },
};

//  Headers particular to one ledger, preferred in its template; also accepted anywhere.
typedef struct {
    const char *kind;
    const char *key;
    const char *label;
} s_kind_label_t;

static const s_kind_label_t s_kind_labels[] = {
    { "reception_day", "mode", "接访方式" }, { "talk", "mode", "谈话方式" },
    { "mailbox", "channel", "信箱地址" }, { "petition_case", "person", "接访领导" },
    { "contact_point", "to", "联系截止日期" }, { "secondment", "from", "挂职开始日期" },
    { "secondment", "to", "挂职结束日期" }, { "org", "name", "党组织名称" },
    { NULL, NULL, NULL },
};

typedef struct {
    const char *key;         //  the field, since one value name can mean two things
    const char *value;
    const char *label;
} s_enum_label_t;

static const s_enum_label_t s_enum_labels[] = {
    { "role", "main_leader", "主要领导" }, { "role", "leader", "班子成员" },
    { "role", "org_head", "支部书记" }, { "role", "party_member", "党员" },
    { "role", "rep_city", "市党代表" }, { "role", "rep_unit", "单位党代表" },
    { "role", "seconded", "挂职干部" },
    { "category", "reserve", "后备干部" }, { "category", "new_recruit", "新录用人员" },
    { "mode", "fixed_point", "定点接访" }, { "mode", "open", "公开接访" },
    { "mode", "key_appointment", "重点约访" }, { "mode", "thematic", "专题接访" },
    { "mode", "visit_with_case", "带案下访" }, { "mode", "home_return_visit", "上门回访" },
    { "mode", "in_person", "当面" }, { "mode", "phone", "电话" }, { "mode", "home_visit", "上门" },
    { "with_category", "team_member", "班子成员" }, { "with_category", "department", "分管部门" },
    { "with_category", "contact_point", "联系点" }, { "with_category", "party_member", "党员" },
    { "with_category", "masses", "群众" },
    { "form", "individual", "个别谈话" }, { "form", "collective", "集体座谈" },
    { "form", "random", "随机交流" },
    { "channel", "hearing", "听证咨询" }, { "channel", "poll", "民意调查" },
    { "channel", "hotline", "服务热线" }, { "channel", "card", "征求意见卡" },
    { "channel", "forum", "座谈会" }, { "channel", "mailbox", "网络信箱" },
    { "channel", "weibo", "微博" }, { "channel", "wechat", "微信" },
    { "channel", "web_forum", "论坛" }, { "channel", "other", "其他" },
    { "type", "annual", "年度承诺" }, { "type", "instant", "即时承诺" },
    { "grade", "excellent", "优秀" }, { "grade", "good", "良好" }, { "grade", "fair", "一般" },
    { "grade", "poor", "较差" },
    { "channel", "letter", "来信" },
    { "action", "coordination", "亲自协调" }, { "action", "handover", "移交包案" },
    { "action", "visit", "下访" },
    { "method", "self", "个人自评" }, { "method", "peer", "党员互评" },
    { "method", "masses", "群众测评" }, { "method", "leader", "领导点评" },
    { "activity", "studio_reception", "驻室接待" }, { "activity", "advice", "建言献策" },
    { "activity", "service", "参与服务" }, { "activity", "exchange", "交流研讨" },
    { "activity", "inspection", "视察调研" }, { "activity", "committee_meeting", "列席党委会" },
    { "activity", "proposal", "提议" },
    { NULL, NULL, NULL },
};

//  The role columns of a person ledger: one row per role held.
static const char *const s_role_keys[] = { "role", "from", "to", "category", "frontline",
                                           "term_from", "term_to", NULL };

//  ---------------------------------------------------------------------------

#define S_MAX_COLS 64

typedef struct {
    char *header;                            //  as written in the file
    const char *key;                         //  event key, or NULL for an ignored empty column
    const ProtobufCFieldDescriptor *field;   //  in the kind's message; NULL for ref/note/kind/...
} s_column_t;

struct ml_ledger {
    char *path;
    char *kind;                      //  NULL when a kind column names it per row
    const char *encoding;
    char *text;                      //  the file as UTF-8
    size_t size;
    s_column_t cols[S_MAX_COLS];
    size_t ncols;
    char *cells;                     //  every parsed cell, NUL-terminated, one after the other
    unsigned char *nul;              //  per cell (as ROWS): 1 when it held a NUL byte, cut there
    char **rows;                     //  each cell in CELLS, row-major
    size_t *row_cells;               //  cells in each row
    size_t *row_start;               //  index into rows of each row's first cell
    int *row_line;                   //  first line of each row
    size_t nrows;
};

//  The header of KEY in KIND's template.
static const char *
s_kind_label_of (const char *kind, const char *key)
{
    for (const s_kind_label_t *l = s_kind_labels; kind && l->kind; l++)
        if (strcmp (l->kind, kind) == 0 && strcmp (l->key, key) == 0)
            return l->label;
    for (const s_label_t *l = s_columns; l->key; l++)
        if (strcmp (l->key, key) == 0)
            return l->label;
    return key;
}

const char *
ml_ledger_name (const char *kind)
{
    for (const s_kind_name_t *k = s_kinds; k->kind; k++)
        if (strcmp (k->kind, kind) == 0)
            return k->name;
    return NULL;
}

const char *
ml_ledger_kind_at (size_t i)
{
    return i < sizeof s_kinds / sizeof s_kinds[0] ? s_kinds[i].kind : NULL;
}

const char *
ml_ledger_kind_named (const char *name)
{
    for (const s_kind_name_t *k = s_kinds; k->kind; k++)
        if (strcmp (k->kind, name) == 0 || strcmp (k->name, name) == 0)
            return k->kind;
    return NULL;
}

const char *
ml_ledger_label (const char *kind, const char *key)
{
    const char *last = strrchr (key, '.');
    last = last ? last + 1 : key;
    const char *label = s_kind_label_of (kind, last);
    return label == last ? key : label;
}

//  The message descriptor of KIND's body, or NULL for an unknown kind.
static const ProtobufCMessageDescriptor *
s_body_desc (const char *kind)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name (&massline__event__descriptor, kind);
    if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return NULL;
    return f->descriptor;
}

//  The field KEY of KIND as a ledger column sees it: person ledgers take the role's fields.
static const ProtobufCFieldDescriptor *
s_field_of (const char *kind, const char *key)
{
    if (strcmp (kind, "person") == 0)
        for (int i = 0; s_role_keys[i]; i++)
            if (strcmp (s_role_keys[i], key) == 0)
                return protobuf_c_message_descriptor_get_field_by_name (&massline__role__descriptor, key);
    const ProtobufCMessageDescriptor *desc = s_body_desc (kind);
    const ProtobufCFieldDescriptor *f = desc ? protobuf_c_message_descriptor_get_field_by_name (desc, key) : NULL;
    if (f && f->type == PROTOBUF_C_TYPE_MESSAGE)
        return NULL;         //  roles and correction.event are not columns
    return f;
}

//  True when KEY is a column of KIND's ledger (its fields plus ref, note, supersedes).
static bool
s_is_column (const char *kind, const char *key)
{
    if (strcmp (key, "ref") == 0 || strcmp (key, "note") == 0)
        return true;
    if (strcmp (key, "supersedes") == 0)
        return true;
    return s_field_of (kind, key) != NULL;
}

//  ---------------------------------------------------------------------------
//  Reading the file

static bool
s_valid_utf8 (const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n || (len == 2 && c < 0xC2))
            return false;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

//  For a file that is not valid UTF-8: the first line that is not, when another line holds
//  UTF-8 text beyond ASCII (a UTF-8 file with a part in another encoding, e.g. one cell pasted
//  from a GBK file), else 0. Lines end at LF, CR LF or a lone CR, as s_row_lines counts them.
//  A line of GB18030 text is very unlikely to be valid UTF-8 with a character of 3 or more
//  bytes, which every Chinese character in UTF-8 is.
static int
s_mixed_line (const unsigned char *p, size_t n)
{
    int line = 1, first_bad = 0;
    bool utf8_text = false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '\n' && !(p[i] == '\r' && !(i + 1 < n && p[i + 1] == '\n')))
            continue;
        const unsigned char *l = p + start;
        size_t len = i - start;
        if (!s_valid_utf8 (l, len)) {
            if (!first_bad)
                first_bad = line;
        }
        else
            for (size_t k = 0; k < len && !utf8_text; k++)
                utf8_text = l[k] >= 0xE0;
        start = i + 1;
        line++;
    }
    return utf8_text ? first_bad : 0;
}

static char *
s_from_gb18030 (const char *in, size_t len, size_t *out_len)
{
    iconv_t cd = iconv_open ("UTF-8", "GB18030");
    if (cd == (iconv_t) -1)
        return NULL;
    size_t cap = len * 2 + 16;
    char *out = malloc (cap);
    char *src = (char *) in, *dst = out;
    size_t left = len, room = cap - 1;
    size_t rc = out ? iconv (cd, &src, &left, &dst, &room) : (size_t) -1;
    iconv_close (cd);
    if (rc == (size_t) -1) {
        free (out);
        return NULL;
    }
    *dst = 0;
    *out_len = (size_t) (dst - out);
    return out;
}

static int
s_read (ml_ledger_t *self, char *err, size_t errlen)
{
    FILE *file = fopen (self->path, "rb");
    if (!file) {
        snprintf (err, errlen, "%s: cannot open: %s", self->path, strerror (errno));
        return ML_EIO;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc (cap);
    size_t n;
    while (buf && (n = fread (buf + len, 1, cap - len - 1, file)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *grown = realloc (buf, cap *= 2);
            if (!grown)
                free (buf);
            buf = grown;
        }
    }
    fclose (file);
    if (!buf) {
        snprintf (err, errlen, "%s: out of memory", self->path);
        return ML_ENOMEM;
    }
    buf[len] = 0;
    if (len >= 3 && memcmp (buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove (buf, buf + 3, len - 2);
        len -= 3;
        self->encoding = "utf-8 (BOM)";
    }
    else if (s_valid_utf8 ((unsigned char *) buf, len))
        self->encoding = "utf-8";
    else {
        //  never reinterpret valid UTF-8: GB18030 only when no part of the file is UTF-8 text
        int bad = s_mixed_line ((unsigned char *) buf, len);
        if (bad) {
            free (buf);
            snprintf (err, errlen, "%s:%d: not valid UTF-8, while the rest of the file is; save "
                      "the whole file again as UTF-8 (or all of it as GB18030)", self->path, bad);
            return ML_EINVAL;
        }
        size_t out_len;
        char *utf8 = s_from_gb18030 (buf, len, &out_len);
        free (buf);
        if (!utf8) {
            snprintf (err, errlen, "%s: neither UTF-8 nor GB18030 text", self->path);
            return ML_EINVAL;
        }
        buf = utf8;
        len = out_len;
        self->encoding = "gb18030";
    }
    self->text = buf;
    self->size = len;
    return ML_OK;
}

//  Parsing: libcsv hands us fields and row ends; a separate scan of the text finds the line each
//  non-empty row starts on (libcsv skips empty lines and counts no lines).
typedef struct {
    ml_ledger_t *self;
    size_t cap_cells, ncells, cap_rows;
    size_t *offset;             //  where each cell starts in self->cells
    unsigned char *nul;         //  whether each cell held a NUL byte
    size_t used, cap;           //  bytes of self->cells used, allocated
    int failed;
} s_parse_t;

static void
s_on_field (void *data, size_t len, void *arg)
{
    s_parse_t *p = arg;
    ml_ledger_t *self = p->self;
    if (p->failed)
        return;
    if (p->ncells + 1 >= p->cap_cells) {
        p->cap_cells = p->cap_cells ? p->cap_cells * 2 : 1024;
        size_t *grown = realloc (p->offset, p->cap_cells * sizeof *grown);
        if (!grown) {
            p->failed = 1;
            return;
        }
        p->offset = grown;
        unsigned char *nul = realloc (p->nul, p->cap_cells);
        if (!nul) {
            p->failed = 1;
            return;
        }
        p->nul = nul;
    }
    if (p->used + len + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 1 << 16;
        while (p->used + len + 1 > cap)
            cap *= 2;
        char *grown = realloc (self->cells, cap);
        if (!grown) {
            p->failed = 1;
            return;
        }
        self->cells = grown;
        p->cap = cap;
    }
    memcpy (self->cells + p->used, data ? data : "", len);
    self->cells[p->used + len] = 0;
    p->nul[p->ncells] = data && memchr (data, 0, len) != NULL;
    p->offset[p->ncells++] = p->used;
    p->used += len + 1;
}

static void
s_on_row (int c, void *arg)
{
    (void) c;
    s_parse_t *p = arg;
    ml_ledger_t *self = p->self;
    if (self->nrows + 1 >= p->cap_rows) {
        p->cap_rows = p->cap_rows ? p->cap_rows * 2 : 256;
        size_t *starts = realloc (self->row_start, p->cap_rows * sizeof *starts);
        size_t *cells = starts ? realloc (self->row_cells, p->cap_rows * sizeof *cells) : NULL;
        if (starts)
            self->row_start = starts;
        if (cells)
            self->row_cells = cells;
        if (!starts || !cells) {
            p->failed = 1;
            return;
        }
    }
    size_t first = self->nrows ? self->row_start[self->nrows - 1] + self->row_cells[self->nrows - 1] : 0;
    self->row_start[self->nrows] = first;
    self->row_cells[self->nrows] = p->ncells - first;
    self->nrows++;
}

//  The first line of each non-empty logical row (quotes may hold line breaks).
static int *
s_row_lines (const char *text, size_t len, size_t *count)
{
    size_t cap = 256, n = 0;
    int *lines = malloc (cap * sizeof *lines);
    int line = 1;
    bool in_quote = false, row_has_text = false;
    int row_line = 1;
    for (size_t i = 0; lines && i <= len; i++) {
        char c = i < len ? text[i] : '\n';
        if (c == '"')
            in_quote = !in_quote;
        bool brk = !in_quote && (c == '\n' || c == '\r');
        if (!brk) {
            if (!row_has_text)
                row_line = line;
            row_has_text = true;
            if (c == '\n' || c == '\r')
                line += !(c == '\r' && i + 1 < len && text[i + 1] == '\n');
            continue;
        }
        if (row_has_text) {
            if (n == cap) {
                int *grown = realloc (lines, (cap *= 2) * sizeof *lines);
                if (!grown) {
                    free (lines);
                    return NULL;
                }
                lines = grown;
            }
            lines[n++] = row_line;
        }
        row_has_text = false;
        if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
            i++;
        line++;
    }
    *count = n;
    return lines;
}

//  The cells stay where they are now: points self->rows at them.
static void
s_parse_done (s_parse_t *p)
{
    ml_ledger_t *self = p->self;
    if (!p->failed && !(self->rows = malloc ((p->ncells ? p->ncells : 1) * sizeof *self->rows)))
        p->failed = 1;
    for (size_t i = 0; !p->failed && i < p->ncells; i++)
        self->rows[i] = self->cells + p->offset[i];
    free (p->offset);
    self->nul = p->nul;
}

//  An .xlsx ledger: the rows of its first sheet as s_parse would give them, each numbered as
//  the sheet numbers it.
static int
s_read_xlsx (ml_ledger_t *self, char *err, size_t errlen)
{
    ml_xlsx_t *book = ml_xlsx_open (self->path, NULL, err, errlen);
    if (!book)
        return ML_EINVAL;
    s_parse_t p = { self, 0, 0, 0, NULL, NULL, 0, 0, 0 };
    size_t rows = ml_xlsx_rows (book);
    if (!(self->row_line = malloc ((rows + 1) * sizeof *self->row_line)))
        p.failed = 1;
    for (size_t r = 0; r < rows && !p.failed; r++) {
        for (size_t c = 0; c < ml_xlsx_row_cells (book, r); c++) {
            const char *cell = ml_xlsx_cell (book, r, c);
            s_on_field ((void *) cell, strlen (cell), &p);
        }
        s_on_row (0, &p);
        self->row_line[r] = ml_xlsx_row_number (book, r);
    }
    ml_xlsx_destroy (&book);
    s_parse_done (&p);
    self->encoding = "xlsx";
    if (p.failed)
        snprintf (err, errlen, "%s: out of memory", self->path);
    return p.failed ? ML_ENOMEM : ML_OK;
}

static int
s_parse (ml_ledger_t *self, char *err, size_t errlen)
{
    struct csv_parser parser;
    if (csv_init (&parser, 0) != 0)
        return ML_ENOMEM;
    s_parse_t p = { self, 0, 0, 0, NULL, NULL, 0, 0, 0 };
    size_t done = csv_parse (&parser, self->text, self->size, s_on_field, s_on_row, &p);
    csv_fini (&parser, s_on_field, s_on_row, &p);
    csv_free (&parser);
    s_parse_done (&p);
    if (p.failed || done != self->size) {
        snprintf (err, errlen, "%s: cannot parse as CSV", self->path);
        return ML_EINVAL;
    }
    size_t nlines;
    self->row_line = s_row_lines (self->text, self->size, &nlines);
    if (!self->row_line)
        return ML_ENOMEM;
    if (nlines != self->nrows) {
        //  Should not happen; fall back to row numbers rather than wrong lines.
        free (self->row_line);
        self->row_line = malloc ((self->nrows + 1) * sizeof *self->row_line);
        if (!self->row_line)
            return ML_ENOMEM;
        for (size_t i = 0; i < self->nrows; i++)
            self->row_line[i] = (int) i + 1;
    }
    return ML_OK;
}

//  ---------------------------------------------------------------------------
//  Header

static char *
s_trim (char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen (s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

//  The event key a header names: the key itself or its Chinese name ("kind" for 类型).
static const char *
s_key_of_header (const char *header)
{
    for (const s_label_t *l = s_columns; l->key; l++)
        if (strcmp (l->key, header) == 0 || strcmp (l->label, header) == 0)
            return l->key;
    for (const s_kind_label_t *l = s_kind_labels; l->kind; l++)
        if (strcmp (l->label, header) == 0)
            return l->key;
    return NULL;
}

//  The kind named by the file name: reception_day.csv, 接访台账.csv, 2025年接访台账(一月).csv ...
const char *
ml_ledger_kind_of_path (const char *path)
{
    char *copy = strdup (path);
    if (!copy)
        return NULL;
    const char *base = basename (copy);
    const char *found = NULL;
    size_t best = 0;
    for (const s_kind_name_t *k = s_kinds; k->kind; k++) {
        //  The longest match wins: 调研报告台账 over 调研台账, research_trip over nothing.
        if (strstr (base, k->name) && strlen (k->name) > best) {
            found = k->kind;
            best = strlen (k->name);
        }
        if (strstr (base, k->kind) && strlen (k->kind) > best) {
            found = k->kind;
            best = strlen (k->kind);
        }
    }
    free (copy);
    return found;
}

static int
s_header (ml_ledger_t *self, char *err, size_t errlen)
{
    if (self->nrows == 0) {
        snprintf (err, errlen, "%s: empty file (a ledger needs a header row)", self->path);
        return ML_EINVAL;
    }
    size_t ncols = self->row_cells[0];
    if (ncols > S_MAX_COLS) {
        snprintf (err, errlen, "%s: more than %d columns", self->path, S_MAX_COLS);
        return ML_EINVAL;
    }
    bool has_kind = false;
    for (size_t c = 0; c < ncols; c++)
        if (self->nul && self->nul[self->row_start[0] + c]) {
            snprintf (err, errlen, "%s:%d: the header of column %zu contains a NUL byte", self->path,
                      self->row_line[0], c + 1);
            return ML_EINVAL;
        }
    for (size_t c = 0; c < ncols; c++) {
        char *header = s_trim (self->rows[self->row_start[0] + c]);
        self->cols[c].header = header;
        self->cols[c].key = *header ? s_key_of_header (header) : NULL;
        if (*header && !self->cols[c].key) {
            snprintf (err, errlen, "%s: column '%s' is not a ledger column", self->path, header);
            return ML_EINVAL;
        }
        has_kind |= self->cols[c].key && strcmp (self->cols[c].key, "kind") == 0;
    }
    self->ncols = ncols;
    if (has_kind)
        return ML_OK;
    const char *kind = ml_ledger_kind_of_path (self->path);
    if (!kind) {
        snprintf (err, errlen, "%s: cannot tell which ledger this is: name the file after it "
                  "(e.g. 接访台账.csv or reception_day.csv) or add a 类型 column", self->path);
        return ML_EINVAL;
    }
    self->kind = strdup (kind);
    for (size_t c = 0; c < ncols; c++) {
        const char *key = self->cols[c].key;
        if (key && !s_is_column (kind, key)) {
            snprintf (err, errlen, "%s: column '%s' is not a column of %s (%s)", self->path,
                      self->cols[c].header, ml_ledger_name (kind), kind);
            return ML_EINVAL;
        }
        self->cols[c].field = key ? s_field_of (kind, key) : NULL;
    }
    //  Every required field needs a column (person ledgers: the role is optional).
    const ProtobufCMessageDescriptor *desc = s_body_desc (kind);
    for (unsigned i = 0; desc && i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REQUIRED || f->type == PROTOBUF_C_TYPE_MESSAGE)
            continue;
        bool found = false;
        for (size_t c = 0; c < ncols && !found; c++)
            found = self->cols[c].key && strcmp (self->cols[c].key, f->name) == 0;
        if (!found) {
            snprintf (err, errlen, "%s: missing column '%s' (%s) of %s", self->path,
                      s_kind_label_of (kind, f->name), f->name, ml_ledger_name (kind));
            return ML_EINVAL;
        }
    }
    return ML_OK;
}

ml_ledger_t *
ml_ledger_open (const char *path, char *err, size_t errlen)
{
    ml_ledger_t *self = calloc (1, sizeof *self);
    if (!self || !(self->path = strdup (path))) {
        snprintf (err, errlen, "%s: out of memory", path);
        free (self);
        return NULL;
    }
    size_t len = strlen (path);
    bool xlsx = len >= 5 && strcasecmp (path + len - 5, ".xlsx") == 0;
    if ((xlsx ? s_read_xlsx (self, err, errlen) : s_read (self, err, errlen) || s_parse (self, err, errlen))
    ||  s_header (self, err, errlen))
        ml_ledger_destroy (&self);
    return self;
}

void
ml_ledger_destroy (ml_ledger_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_ledger_t *self = *self_p;
    free (self->rows);
    free (self->cells);
    free (self->nul);
    free (self->row_start);
    free (self->row_cells);
    free (self->row_line);
    free (self->text);
    free (self->kind);
    free (self->path);
    free (self);
    *self_p = NULL;
}

const char *
ml_ledger_kind (const ml_ledger_t *self)
{
    return self->kind;
}

const char *
ml_ledger_encoding (const ml_ledger_t *self)
{
    return self->encoding;
}

const char *
ml_ledger_header (const ml_ledger_t *self, const char *key)
{
    const char *last = strrchr (key, '.');
    last = last ? last + 1 : key;
    if (strncmp (last, "roles[", 6) == 0)
        return last;
    for (size_t c = 0; c < self->ncols; c++)
        if (self->cols[c].key && strcmp (self->cols[c].key, last) == 0)
            return self->cols[c].header;
    return key;
}

//  ---------------------------------------------------------------------------
//  Rows

//  Converts CELL for FIELD into a JSON value; NULL with REASON when it cannot be.
static json_t *
s_cell_value (const ProtobufCFieldDescriptor *f, const char *key, const char *cell, char *reason, size_t len)
{
    if (!f)
        return json_string (cell);
    switch (f->type) {
        case PROTOBUF_C_TYPE_BOOL:
            //  ml_cell wrote every form of yes and no as 是 or 否
            if (strcmp (cell, "是") == 0 || strcmp (cell, "否") == 0)
                return json_boolean (strcmp (cell, "是") == 0);
            snprintf (reason, len, "expected 是 or 否 (%s)", cell);
            return NULL;
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_INT32: {
            char *end;
            errno = 0;
            long v = strtol (cell, &end, 10);
            if (errno || end == cell || *end) {
                snprintf (reason, len, "expected a whole number (%s)", cell);
                return NULL;
            }
            return json_integer (v);
        }
        case PROTOBUF_C_TYPE_ENUM: {
            for (const s_enum_label_t *e = s_enum_labels; e->key; e++)
                if (strcmp (e->key, key) == 0 && strcmp (e->label, cell) == 0
                &&  protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, e->value))
                    return json_string (e->value);
            if (protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, cell))
                return json_string (cell);
            //  neither: name the values as the ledger writes them
            size_t used = (size_t) snprintf (reason, len, "unknown value '%s' (expected one of", cell);
            const char *sep = " ";
            for (const s_enum_label_t *e = s_enum_labels; e->key && used < len; e++)
                if (strcmp (e->key, key) == 0
                &&  protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, e->value)) {
                    used += (size_t) snprintf (reason + used, len - used, "%s%s", sep, e->label);
                    sep = ", ";
                }
            if (used < len)
                snprintf (reason + used, len - used, ")");
            return NULL;
        }
        default:
            break;
    }
    return json_string (cell);
}

//  How ml_cell reads a cell of column KEY (field F, NULL for ref, note, ...). Text that was
//  accepted as typed before stays so (a row already recorded keeps its derived ref); codes of
//  persons and orgs, numbers and choices, which had to be ASCII, are folded.
static ml_cell_type_t
s_cell_type (const ProtobufCFieldDescriptor *f, const char *key)
{
    static const char *const roster[] = { "person", "org", "head", "signed_by", NULL };
    if (!f)
        return ML_CELL_NOTE;
    if (f->type == PROTOBUF_C_TYPE_BOOL)
        return ML_CELL_BOOL;
    if (f->type != PROTOBUF_C_TYPE_STRING)
        return ML_CELL_CODE;
    for (int i = 0; roster[i]; i++)
        if (strcmp (key, roster[i]) == 0)
            return ML_CELL_CODE;
    return ML_CELL_TEXT;
}

static bool
s_is_role_key (const char *key)
{
    for (int i = 0; s_role_keys[i]; i++)
        if (strcmp (s_role_keys[i], key) == 0)
            return true;
    return false;
}

//  Builds the JSON of row R; NULL with FIELD/REASON when a cell is wrong.
static json_t *
s_row_json (ml_ledger_t *self, size_t r, const char **field, char *reason, size_t len)
{
    char **cells = self->rows + self->row_start[r];
    const unsigned char *nul = self->nul + self->row_start[r];
    size_t n = self->row_cells[r];
    //  a cell cut at a NUL byte would import silently changed: refuse the row (JSONL does too)
    for (size_t c = 0; c < n; c++)
        if (nul[c]) {
            *field = c < self->ncols && *self->cols[c].header ? self->cols[c].header : "";
            snprintf (reason, len, "contains a NUL byte%s", **field ? "" : " (a column without header)");
            return NULL;
        }
    const char *kind = self->kind;
    for (size_t c = 0; c < n && c < self->ncols && !kind; c++)
        if (self->cols[c].key && strcmp (self->cols[c].key, "kind") == 0) {
            const char *cell = s_trim (cells[c]);
            for (const s_kind_name_t *k = s_kinds; k->kind; k++)
                if (strcmp (cell, k->name) == 0)
                    cell = k->kind;
            kind = cell;
        }
    if (!kind || !*kind) {
        *field = "类型";
        snprintf (reason, len, "missing");
        return NULL;
    }
    json_t *obj = json_object (), *role = json_object ();
    json_object_set_new (obj, "kind", json_string (kind));
    for (size_t c = 0; c < n; c++) {
        char *raw = s_trim (cells[c]);
        if (!*raw)
            continue;
        if (c >= self->ncols || !self->cols[c].key) {
            *field = c < self->ncols ? self->cols[c].header : "";
            snprintf (reason, len, "a value in column %zu, which has no header (%s)", c + 1, raw);
            goto fail;
        }
        const char *key = self->cols[c].key;
        if (strcmp (key, "kind") == 0)
            continue;
        const ProtobufCFieldDescriptor *f = self->cols[c].field;
        if (!self->kind)          //  per-row kinds: look the field up for this row's kind
            f = s_field_of (kind, key);
        char buf[1024];
        const char *cell = ml_cell_normalise (raw, s_cell_type (f, key), buf, sizeof buf);
        if (strcmp (key, "ref") == 0 && strcmp (cell, ML_LEDGER_SAMPLE) == 0) {
            *field = self->cols[c].header;
            snprintf (reason, len, "the template's sample row (%s): delete it, it is no record",
                      ML_LEDGER_SAMPLE);
            goto fail;
        }
        json_t *value = s_cell_value (f, key, cell, reason, len);
        if (!value) {
            *field = self->cols[c].header;
            if (!*reason)       //  json_string refused it: a BOM file that is not UTF-8 after all
                snprintf (reason, len, "not valid UTF-8");
            goto fail;
        }
        bool into_role = strcmp (kind, "person") == 0 && s_is_role_key (key);
        json_object_set_new (into_role ? role : obj, key, value);
    }
    if (json_object_size (role))
        json_object_set_new (obj, "roles", json_pack ("[O]", role));
    json_decref (role);
    //  A row naming the ref it replaces is a correction of that event.
    json_t *supersedes = json_object_get (obj, "supersedes");
    if (supersedes && strcmp (kind, "void") != 0) {
        json_t *inner = json_deep_copy (obj);
        json_object_del (inner, "supersedes");
        json_object_set (inner, "ref", supersedes);
        json_t *corr = json_pack ("{s:s, s:O, s:o}", "kind", "correction", "supersedes", supersedes, "event", inner);
        json_decref (obj);
        return corr;
    }
    return obj;
fail:
    json_decref (role);
    json_decref (obj);
    return NULL;
}

static bool
s_row_empty (ml_ledger_t *self, size_t r)
{
    for (size_t c = 0; c < self->row_cells[r]; c++)
        if (*s_trim (self->rows[self->row_start[r] + c]) || self->nul[self->row_start[r] + c])
            return false;
    return true;
}

int
ml_ledger_each (ml_ledger_t *self, ml_ledger_row_fn fn, void *arg)
{
    bool persons = self->kind && strcmp (self->kind, "person") == 0;
    json_t *merged = json_object ();       //  person id -> event, for person ledgers
    json_t *order = json_array ();         //  [event, line] in first-seen order
    int rc = 0;
    for (size_t r = 1; r < self->nrows && rc == 0; r++) {
        if (s_row_empty (self, r))
            continue;
        const char *field = "";
        char reason[256] = "";
        json_t *obj = s_row_json (self, r, &field, reason, sizeof reason);
        if (!obj) {
            rc = fn (arg, self->row_line[r], NULL, field, reason);
            continue;
        }
        const char *id = persons ? json_string_value (json_object_get (obj, "person")) : NULL;
        json_t *earlier = id ? json_object_get (merged, id) : NULL;
        if (earlier) {
            json_t *roles = json_object_get (obj, "roles");
            if (roles)
                json_array_extend (json_object_get (earlier, "roles"), roles);
            json_decref (obj);
            continue;
        }
        if (id) {
            if (!json_object_get (obj, "roles"))
                json_object_set_new (obj, "roles", json_array ());
            json_object_set (merged, id, obj);
            json_array_append_new (order, json_pack ("[o,i]", obj, self->row_line[r]));
            continue;
        }
        rc = fn (arg, self->row_line[r], obj, NULL, NULL);
        json_decref (obj);
    }
    size_t i;
    json_t *pair;
    json_array_foreach (order, i, pair) {
        if (rc)
            break;
        json_t *obj = json_array_get (pair, 0);
        if (json_array_size (json_object_get (obj, "roles")) == 0)
            json_object_del (obj, "roles");
        rc = fn (arg, (int) json_integer_value (json_array_get (pair, 1)), obj, NULL, NULL);
    }
    json_decref (order);
    json_decref (merged);
    return rc;
}

//  ---------------------------------------------------------------------------
//  Templates

//  A realistic sample value for each column of the templates.
static const s_label_t s_samples[] = {
    { "ref", ML_LEDGER_SAMPLE }, { "note", "" }, { "date", "2025-03-05" }, { "person", "P001" },
    { "name", "张伟" }, { "org", "B01" }, { "role", "班子成员" }, { "from", "2025-01-01" },
    { "to", "2025-12-31" }, { "category", "后备干部" }, { "frontline", "否" },
    { "term_from", "2022-01-01" }, { "term_to", "2026-12-31" }, { "head", "P003" },
    { "end", "2025-03-07" }, { "place", "京口区健康路社区卫生服务中心" }, { "stationed", "否" },
    { "unannounced", "是" }, { "topic", "基层门诊预约流程" }, { "title", "关于优化门诊预约流程的调研报告" },
    { "point", "京口区健康路社区卫生服务中心" }, { "family", "京口区王家巷困难家庭（李某）" },
    { "beneficiary", "健康路社区卫生服务中心" }, { "host", "丹徒区人民医院" }, { "mentor", "王建国" },
    { "mode", "定点接访" }, { "announced", "2025-02-28" }, { "case", "XF2025-001" },
    { "group_size", "1" }, { "measures", "协调医务科复核诊疗费用并书面答复" }, { "responsible", "医务科" },
    { "deadline", "2025-03-20" }, { "signed_by", "P001" }, { "with", "内科护士长刘芳" },
    { "with_category", "分管部门" }, { "form", "个别谈话" }, { "opinion", "YJ2025-001" },
    { "channel", "征求意见卡" }, { "department", "门诊部" }, { "adopted", "是" },
    { "feedback", "2025-04-02" }, { "commitment", "CN2025-001" }, { "type", "年度承诺" },
    { "published", "支部党员大会" }, { "content", "全年带教青年医师2名" }, { "grade", "优秀" },
    { "method", "群众测评" }, { "activity", "驻室接待" }, { "supersedes", "" }, { "reason", "录入重复" },
    { "restatement_reason", "" },
    { "rule", "4.1c" }, { "approved_by", "局党委" }, { "appeal", "XX2025-001" },
    { "answered", "2025-03-20" }, { "about", "" }, { "action", "亲自协调" },
    { "secondment", "GZ2025-001" }, { "studio", "党代表工作室" },
    { "reception_schedule", "每月第一个星期三上午" }, { "high_profile", "否" },
    { NULL, NULL },
};

static const char *
s_sample_of (const char *kind, const char *key)
{
    //  A few keys mean a different thing in one kind; their samples follow.
    if (strcmp (kind, "talk") == 0 && strcmp (key, "mode") == 0)
        return "当面";
    if (strcmp (kind, "mailbox") == 0 && strcmp (key, "channel") == 0)
        return "院长信箱 yzxx@example.org";
    if (strcmp (kind, "secondment") == 0 && strcmp (key, "to") == 0)
        return "2026-02-28";
    if (strcmp (kind, "contact_point") == 0 && strcmp (key, "to") == 0)
        return "";
    if (strcmp (kind, "commitment") == 0 && strcmp (key, "org") == 0)
        return "";           //  a commitment is a person's or an org's, not both
    if (strcmp (kind, "exemption") == 0 && strcmp (key, "org") == 0)
        return "";           //  an exemption is a person's or an org's, not both
    if (strcmp (kind, "appeal") == 0 && strcmp (key, "channel") == 0)
        return "来信";
    if (strcmp (kind, "appeal") == 0 && strcmp (key, "person") == 0)
        return "P001";
    if (strcmp (kind, "void") == 0 && strcmp (key, "supersedes") == 0)
        return "H001-RD-0001";
    for (const s_label_t *s = s_samples; s->key; s++)
        if (strcmp (s->key, key) == 0)
            return s->label;
    return "";
}

static void
s_csv_cell (FILE *out, const char *text, bool first)
{
    if (!first)
        fputc (',', out);
    if (strpbrk (text, ",\"\r\n")) {
        fputc ('"', out);
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                fputc ('"', out);
            fputc (*p, out);
        }
        fputc ('"', out);
    }
    else
        fputs (text, out);
}

//  The keys of KIND's template columns into KEYS; their count, 0 for a kind without a ledger.
static size_t
s_template_keys (const char *kind, const char *keys[S_MAX_COLS])
{
    const ProtobufCMessageDescriptor *desc = s_body_desc (kind);
    if (!desc || !ml_ledger_name (kind))
        return 0;
    size_t n = 0;
    keys[n++] = "ref";
    for (unsigned i = 0; i < desc->n_fields && n < S_MAX_COLS - 8; i++)
        if (desc->fields[i].type != PROTOBUF_C_TYPE_MESSAGE)
            keys[n++] = desc->fields[i].name;
    if (strcmp (kind, "person") == 0)
        for (int i = 0; s_role_keys[i]; i++)
            keys[n++] = s_role_keys[i];
    keys[n++] = "note";
    if (strcmp (kind, "void") != 0)
        keys[n++] = "supersedes";      //  filled in, the row is a correction of that ref
    return n;
}

bool
ml_ledger_column (const char *kind, size_t i, ml_ledger_column_t *col)
{
    const char *keys[S_MAX_COLS];
    if (i >= s_template_keys (kind, keys))
        return false;
    memset (col, 0, sizeof *col);
    col->key = keys[i];
    col->header = s_kind_label_of (kind, keys[i]);
    col->sample = s_sample_of (kind, keys[i]);
    const ProtobufCFieldDescriptor *f = s_field_of (kind, keys[i]);
    size_t n = 0;
    if (f && f->type == PROTOBUF_C_TYPE_BOOL) {
        col->choices[n++] = "是";
        col->choices[n++] = "否";
    }
    for (const s_enum_label_t *e = s_enum_labels; f && f->type == PROTOBUF_C_TYPE_ENUM && e->key; e++)
        if (strcmp (e->key, keys[i]) == 0 && n + 1 < sizeof col->choices / sizeof *col->choices
        &&  protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, e->value))
            col->choices[n++] = e->label;
    //  a date column: its general sample is a date
    ml_day_t day;
    for (const s_label_t *s = s_samples; f && f->type == PROTOBUF_C_TYPE_STRING && s->key; s++)
        if (strcmp (s->key, keys[i]) == 0)
            col->date = ml_date_parse (s->label, &day) == ML_OK;
    return true;
}

int
ml_ledger_template (const char *kind, FILE *out)
{
    ml_ledger_column_t col;
    if (!ml_ledger_column (kind, 0, &col))
        return ML_EINVAL;
    fputs ("\xEF\xBB\xBF", out);
    for (size_t i = 0; ml_ledger_column (kind, i, &col); i++)
        s_csv_cell (out, col.header, i == 0);
    fputs ("\r\n", out);
    for (size_t i = 0; ml_ledger_column (kind, i, &col); i++)
        s_csv_cell (out, col.sample, i == 0);
    fputs ("\r\n", out);
    return ferror (out) ? ML_EIO : ML_OK;
}
