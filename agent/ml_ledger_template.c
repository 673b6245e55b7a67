/* ml_ledger_template.c -- the ledgers' templates (ops/templates): their columns, with a sample
   row, from the same tables the importer reads. */
#include "ml_ledger_private.h"
#include "ml_date.h"
#include "ml_err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *key;
    const char *label;
} s_label_t;

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
    if (strcmp (kind, "org") == 0 && strcmp (key, "name") == 0)
        return "内科党支部";  //  the org's name, not a person's
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
s_template_keys (const char *kind, const char *keys[ML_LEDGER_MAX_COLS])
{
    const ProtobufCMessageDescriptor *desc = ml_ledger_body_desc (kind);
    if (!desc || !ml_ledger_name (kind))
        return 0;
    size_t n = 0;
    keys[n++] = "ref";
    for (unsigned i = 0; i < desc->n_fields && n < ML_LEDGER_MAX_COLS - 8; i++)
        if (desc->fields[i].type != PROTOBUF_C_TYPE_MESSAGE)
            keys[n++] = desc->fields[i].name;
    if (strcmp (kind, "person") == 0)
        for (int i = 0; ml_ledger_role_keys[i]; i++)
            keys[n++] = ml_ledger_role_keys[i];
    keys[n++] = "note";
    if (strcmp (kind, "void") != 0)
        keys[n++] = "supersedes";      //  filled in, the row is a correction of that ref
    return n;
}

bool
ml_ledger_column (const char *kind, size_t i, ml_ledger_column_t *col)
{
    const char *keys[ML_LEDGER_MAX_COLS];
    if (i >= s_template_keys (kind, keys))
        return false;
    memset (col, 0, sizeof *col);
    col->key = keys[i];
    col->header = ml_ledger_kind_label (kind, keys[i]);
    col->sample = s_sample_of (kind, keys[i]);
    const ProtobufCFieldDescriptor *f = ml_ledger_field_of (kind, keys[i]);
    size_t n = 0;
    if (f && f->type == PROTOBUF_C_TYPE_BOOL) {
        col->choices[n++] = "是";
        col->choices[n++] = "否";
    }
    for (const ml_ledger_enum_label_t *e = ml_ledger_enum_labels; f && f->type == PROTOBUF_C_TYPE_ENUM && e->key; e++)
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
