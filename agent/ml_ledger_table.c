/* ml_ledger_table.c -- the Chinese names of ledgers (台账), columns and enum values, and the
   lookups over them: which kind a file or a name stands for, which event key a header names. */
#include "ml_ledger_private.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

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

const ml_ledger_enum_label_t ml_ledger_enum_labels[] = {
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
const char *const ml_ledger_role_keys[] = { "role", "from", "to", "category", "frontline",
                                                 "term_from", "term_to", NULL };

//  ---------------------------------------------------------------------------
//  Lookups


//  The header of KEY in KIND's template.
const char *
ml_ledger_kind_label (const char *kind, const char *key)
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
    const char *label = ml_ledger_kind_label (kind, last);
    return label == last ? key : label;
}

//  The message descriptor of KIND's body, or NULL for an unknown kind.
const ProtobufCMessageDescriptor *
ml_ledger_body_desc (const char *kind)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name (&massline__event__descriptor, kind);
    if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return NULL;
    return f->descriptor;
}

//  The field KEY of KIND as a ledger column sees it: person ledgers take the role's fields.
const ProtobufCFieldDescriptor *
ml_ledger_field_of (const char *kind, const char *key)
{
    if (strcmp (kind, "person") == 0)
        for (int i = 0; ml_ledger_role_keys[i]; i++)
            if (strcmp (ml_ledger_role_keys[i], key) == 0)
                return protobuf_c_message_descriptor_get_field_by_name (&massline__role__descriptor, key);
    const ProtobufCMessageDescriptor *desc = ml_ledger_body_desc (kind);
    const ProtobufCFieldDescriptor *f = desc ? protobuf_c_message_descriptor_get_field_by_name (desc, key) : NULL;
    if (f && f->type == PROTOBUF_C_TYPE_MESSAGE)
        return NULL;         //  roles and correction.event are not columns
    return f;
}

//  True when KEY is a column of KIND's ledger (its fields plus ref, note, supersedes).
bool
ml_ledger_is_column (const char *kind, const char *key)
{
    if (strcmp (key, "ref") == 0 || strcmp (key, "note") == 0)
        return true;
    if (strcmp (key, "supersedes") == 0)
        return true;
    return ml_ledger_field_of (kind, key) != NULL;
}

bool
ml_ledger_is_role_key (const char *key)
{
    for (int i = 0; ml_ledger_role_keys[i]; i++)
        if (strcmp (ml_ledger_role_keys[i], key) == 0)
            return true;
    return false;
}

//  The event key a header names: the key itself or its Chinese name ("kind" for 类型).
const char *
ml_ledger_key_of_header (const char *header)
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
