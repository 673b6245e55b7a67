/* test_ledger.c -- CSV ledgers end to end with the real massline-agent and massline-collector:
   every template filled in and imported as GB18030 and as UTF-8 with BOM, bad rows reported as
   FILE:LINE and importing nothing, re-imports adding only what is new, SIGKILLs during a
   100,000-row import, the spool folder, corrections and voids, and collector rejections shown
   as FILE:LINE by `massline-agent status`. */
#include "ml_harness.h"
#include "ml_date.h"

#include <criterion/criterion.h>
#include <iconv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

// ---------------------------------------------------------------------------
// Helpers

static void
s_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_write_bytes (const char *path, const char *data, size_t len)
{
    FILE *file = fopen (path, "wb");
    cr_assert_not_null (file, "%s: cannot write", path);
    cr_assert_eq (fwrite (data, 1, len, file), len);
    cr_assert_eq (fclose (file), 0);
}

//  TEXT (UTF-8) in GB18030, as Excel on a Chinese Windows saves CSV. *LEN gets its size.
static char *
s_gb18030 (const char *text, size_t *len)
{
    iconv_t cd = iconv_open ("GB18030", "UTF-8");
    cr_assert_neq (cd, (iconv_t) -1);
    size_t left = strlen (text), room = left * 2 + 16;
    char *out = ml_h_str ("%*s", (int) room, ""), *src = (char *) text, *dst = out;
    cr_assert_neq (iconv (cd, &src, &left, &dst, &room), (size_t) -1, "not convertible to GB18030");
    iconv_close (cd);
    *len = (size_t) (dst - out);
    return out;
}

//  Runs massline-agent -c INI with the arguments that follow (NULL-terminated).
#define s_agent(out, ini, ...) ml_h_run (out, 300000, ML_AGENT, "-c", ini, __VA_ARGS__, NULL)

//  "FILE: N events recorded, M already recorded" of FILE in an import's stdout.
static void
s_counts (const ml_h_out_t *out, const char *file, long *recorded, long *skipped)
{
    char *prefix = ml_h_str ("%s: ", file);
    const char *line = strstr (out->out, prefix);
    cr_assert_not_null (line, "no counts for %s in: %s", file, out->out);
    cr_assert_eq (sscanf (line + strlen (prefix), "%ld events recorded, %ld already recorded",
                          recorded, skipped), 2, "%s", line);
}

//  Imports FILE with INI; asserts it succeeds and returns how many events were recorded.
static long
s_import_ok (const char *ini, const char *file, long *skipped)
{
    ml_h_out_t out;
    int code = s_agent (&out, ini, "import", file);
    cr_assert_eq (code, 0, "import %s exited %d: %s", file, code, out.err);
    long recorded, skip;
    s_counts (&out, file, &recorded, &skip);
    if (skipped)
        *skipped = skip;
    return recorded;
}

//  The agent's status --json with INI; caller decrefs.
static json_t *
s_agent_status (const char *ini)
{
    ml_h_out_t out;
    int code = s_agent (&out, ini, "status", "--json");
    cr_assert_eq (code, 0, "status exited %d: %s", code, out.err);
    json_error_t error;
    json_t *json = json_loads (out.out, 0, &error);
    cr_assert_not_null (json, "status --json: %s: %s", error.text, out.out);
    return json;
}

static long
s_pending (const char *ini)
{
    json_t *status = s_agent_status (ini);
    long pending = (long) json_integer_value (json_object_get (status, "pending"));
    json_decref (status);
    return pending;
}

//  A copy of UNIT's agent.ini beside it with its own outbox NAME (keys stay where they are).
static const char *
s_agent_copy (const char *unit, const char *name)
{
    const char *ini = ml_h_agent_ini (unit);
    char *copy = ml_h_str ("%s/agents/%s/%s.ini", ml_h_bureau (), unit, name);
    ml_h_write (copy, ml_h_read (ini));
    ml_h_ini_set (copy, "outbox", name);
    return copy;
}

//  UNIT's collector-side counts from `massline status --json`: events and rejected.
static void
s_collector_unit (const char *unit, long *events, long *rejected)
{
    json_t *status = ml_h_status_json ();
    cr_assert_not_null (status, "massline status failed");
    *events = *rejected = -1;
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get (status, "units"), i, entry)
        if (strcmp (json_string_value (json_object_get (entry, "unit")), unit) == 0) {
            *events = (long) json_integer_value (json_object_get (entry, "events"));
            *rejected = (long) json_integer_value (json_object_get (entry, "rejected"));
        }
    json_decref (status);
}

static void
s_flush (const char *ini)
{
    ml_h_out_t out;
    int code = s_agent (&out, ini, "flush", "--timeout", "120");
    cr_assert_eq (code, 0, "flush exited %d: %s", code, out.err);
}

static void
s_check_collector (void)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL);
    cr_assert_eq (code, 0, "massline-collector check exited %d: %s%s", code, out.out, out.err);
}

// ---------------------------------------------------------------------------
// Filling the templates: rows given as "header=value|header=value", put in the column order
// of the template that `massline-agent template` writes.

typedef struct {
    const char *ledger;         //  the ledger's name: the template's file name
    int events;                 //  events the rows make (person rows merge by 人员编号)
    const char *rows[8];
} s_ledger_t;

static const s_ledger_t s_ledgers[] = {
    { "人员台账", 6, {
        "人员编号=P001|姓名=张伟|党组织=B01|职务类别=主要领导|开始日期=2024-01-01",
        "人员编号=P001|姓名=张伟|党组织=B01|职务类别=市党代表|开始日期=2022-01-01|结束日期=2026-12-31|"
            "任期开始=2022-01-01|任期结束=2026-12-31",
        "人员编号=P002|姓名=李娜|党组织=B01|职务类别=班子成员|开始日期=2024-01-01",
        "人员编号=P003|姓名=王建国|党组织=B02|职务类别=支部书记|开始日期=2025/1/1|备注=内科党支部书记",
        "人员编号=P004|姓名=刘洋|党组织=B02|职务类别=挂职干部|开始日期=2026-03-01|结束日期=2026-08-31|"
            "挂职类别=后备干部|是否一线=是",
        "人员编号=P005|姓名=陈静|党组织=B02|职务类别=党员|开始日期=2019年7月1日",
        "人员编号=P006|姓名=赵敏|党组织=B03|职务类别=班子成员|开始日期=2023-05-01|备注=分管医务、护理" } },
    { "党组织台账", 3, {
        "党组织=B01|党组织名称=机关党支部|负责人=P001|日期=2024-01-01",
        "党组织=B02|党组织名称=内科党支部|负责人=P003|日期=2025-01-01",
        "党组织=B03|党组织名称=外科党支部|负责人=P006|日期=2025-01-01" } },
    { "调研计划台账", 3, {
        "编号=DY-PLAN-01|日期=2026-01-10|人员编号=P001|备注=全年调研计划：基层医疗服务能力",
        "日期=2026-01-12|人员编号=P002",
        "日期=2026-01-15|人员编号=P006|备注=护理质量专题" } },
    { "调研台账", 3, {
        "编号=DY-001|日期=2026-03-02|人员编号=P001|调研结束日期=2026-03-06|地点=丹徒区上党镇卫生院|"
            "是否驻点=是|是否随机调研=否|主题=乡镇卫生院远程会诊",
        "日期=2026/4/8|人员编号=P002|调研结束日期=2026/4/9|地点=京口区健康路社区卫生服务中心|是否驻点=否|"
            "是否随机调研=是|主题=家庭医生签约服务",
        "日期=2026年5月12日|人员编号=P006|调研结束日期=2026年5月12日|地点=润州区七里甸街道|是否驻点=否|"
            "是否随机调研=否|主题=老年护理, 上门服务" } },
    { "调研报告台账", 2, {
        "日期=2026-03-20|人员编号=P001|标题=关于提升乡镇卫生院远程会诊能力的调研报告",
        "日期=2026-04-30|人员编号=P002|标题=家庭医生签约服务现状与对策" } },
    { "调研推进工作台账", 2, {
        "日期=2026-04-02|人员编号=P001|标题=建立远程会诊排班制度",
        "日期=2026-05-20|人员编号=P006|标题=护理上门服务流程优化" } },
    { "调研成果交流台账", 2, {
        "日期=2026-06-18|备注=全院调研成果交流会，8个课题汇报",
        "日期=2026-11-20|备注=下半年调研成果交流会" } },
    { "联系点台账", 2, {
        "编号=LXD-001|日期=2026-01-05|人员编号=P001|联系点=丹徒区上党镇卫生院",
        "日期=2026-01-05|人员编号=P002|联系点=京口区健康路社区|联系截止日期=2026-12-31" } },
    { "结对家庭台账", 2, {
        "日期=2026-01-08|人员编号=P001|结对家庭=上党镇五塘村困难家庭（王某）",
        "日期=2026-01-09|人员编号=P003|结对家庭=七里甸街道独居老人（陈某）" } },
    { "联系点走访台账", 3, {
        "日期=2026-02-14|人员编号=P001|联系点=丹徒区上党镇卫生院|备注=春节前走访",
        "日期=2026-05-16|人员编号=P001|联系点=丹徒区上党镇卫生院",
        "日期=2026-06-03|人员编号=P002|联系点=京口区健康路社区" } },
    { "办实事台账", 2, {
        "日期=2026-03-15|人员编号=P001|服务对象=上党镇卫生院|标题=捐赠心电图机一台",
        "日期=2026-07-01|人员编号=P006|服务对象=七里甸街道|标题=开展老年人免费体检" } },
    { "挂职台账", 2, {
        "编号=GZ-001|日期=2026-02-20|人员编号=P004|挂职类别=后备干部|挂职单位=丹徒区人民医院|"
            "挂职开始日期=2026-03-01|挂职结束日期=2026-08-31|导师=王建国",
        "日期=2026-08-20|人员编号=P005|挂职类别=新录用人员|挂职单位=京口区社区卫生服务中心|"
            "挂职开始日期=2026-09-01|挂职结束日期=2027-02-28|导师=李娜" } },
    { "挂职考核台账", 2, {
        "日期=2026-09-05|人员编号=P004|备注=考核等次：优秀",
        "日期=2026-09-06|人员编号=P005|备注=中期考核" } },
    { "接访台账", 5, {
        "编号=JF-001|日期=2026-01-15|人员编号=P001|接访方式=定点接访|公布日期=2026-01-10",
        "编号=JF-002|日期=2026/2/12|人员编号=P001|接访方式=公开接访|公布日期=2026/2/5",
        "编号=JF-003|日期=2026年3月12日|人员编号=P002|接访方式=带案下访|备注=门诊楼一楼, 接待室",
        "编号=JF-004|日期=2026-04-16|人员编号=P006|接访方式=上门回访|备注=\"老病号\"回访",
        //  a correction row: 公布日期 of JF-002 was wrong
        "日期=2026-02-12|人员编号=P001|接访方式=公开接访|公布日期=2026-02-06|更正编号=JF-002" } },
    { "信访案件台账", 2, {
        "编号=XF-001|日期=2026-01-15|案件编号=XF2026-001|接访领导=P001|来访人数=1|"
            "办理措施=协调医务科复核诊疗费用并书面答复|责任部门=医务科|办理时限=2026-02-15",
        "编号=XF-002|日期=2026-03-12|案件编号=XF2026-002|接访领导=P002|来访人数=3|"
            "办理措施=组织专家会诊并说明病情|责任部门=内科|办理时限=2026-04-12" } },
    { "信访办结台账", 2, {
        "日期=2026-02-10|案件编号=XF2026-001|签署领导=P001",
        "日期=2026-04-08|案件编号=XF2026-002|签署领导=P002" } },
    { "谈心谈话台账", 4, {
        "日期=2026-02-03|人员编号=P001|谈话对象=P002|对象类别=班子成员|谈话形式=个别谈话|谈话方式=当面",
        "日期=2026-03-08|人员编号=P001|谈话对象=内科护士长刘芳|对象类别=分管部门|谈话形式=个别谈话|谈话方式=电话",
        "日期=2026-05-21|人员编号=P003|谈话对象=内科党支部全体党员|对象类别=党员|谈话形式=集体座谈|谈话方式=当面",
        "日期=2026-06-11|人员编号=P002|谈话对象=住院患者家属|对象类别=群众|谈话形式=随机交流|谈话方式=上门" } },
    { "群众意见台账", 3, {
        "日期=2026-03-01|意见编号=YJ2026-001|渠道=征求意见卡|主题=门诊挂号排队时间长",
        "日期=2026-04-10|意见编号=YJ2026-002|渠道=网络信箱|主题=停车位不足",
        "日期=2026-05-05|意见编号=YJ2026-003|渠道=服务热线|主题=夜间急诊等候" } },
    { "意见交办台账", 2, {
        "日期=2026-03-03|意见编号=YJ2026-001|承办部门=门诊部|办理时限=2026-03-31",
        "日期=2026-04-12|意见编号=YJ2026-002|承办部门=后勤保障处|办理时限=2026-05-31" } },
    { "意见办结台账", 2, {
        "日期=2026-03-28|意见编号=YJ2026-001|是否采纳=是|反馈日期=2026-03-30",
        "日期=2026-05-30|意见编号=YJ2026-002|是否采纳=否" } },
    { "网络信箱台账", 2, {
        "日期=2026-01-02|信箱地址=院长信箱 yzxx@example.org",
        "日期=2026-01-02|信箱地址=党委书记信箱 sjxx@example.org" } },
    { "承诺台账", 3, {
        "编号=CN-001|日期=2026-01-20|承诺编号=CN2026-001|人员编号=P001|承诺类型=年度承诺|办理时限=2026-12-31|"
            "公开方式=院务公开栏|承诺内容=全年下基层坐诊不少于12次",
        "日期=2026-01-20|承诺编号=CN2026-002|党组织=B02|承诺类型=年度承诺|办理时限=2026-12-31|"
            "公开方式=支部党员大会|承诺内容=内科候诊时间缩短至30分钟以内",
        "日期=2026-06-01|承诺编号=CN2026-003|人员编号=P002|承诺类型=即时承诺|办理时限=2026-06-15|"
            "公开方式=科室公示|承诺内容=一周内答复患者家属咨询" } },
    { "践诺台账", 2, {
        "日期=2026-06-10|承诺编号=CN2026-003",
        "日期=2026-11-15|承诺编号=CN2026-001|备注=已坐诊14次" } },
    { "承诺评议台账", 2, {
        "日期=2026-06-20|承诺编号=CN2026-003|评议等次=优秀|评议方式=群众测评",
        "日期=2026-11-20|承诺编号=CN2026-001|评议等次=良好|评议方式=党员互评" } },
    { "党代表活动台账", 3, {
        "日期=2026-03-18|人员编号=P001|活动类型=驻室接待",
        "日期=2026-07-09|人员编号=P001|活动类型=列席党委会",
        "日期=2026-09-22|人员编号=P001|活动类型=提议|备注=关于增设便民门诊的提议" } },
    { "豁免台账", 1, {
        "日期=2026-02-01|条款=4.1c|人员编号=P002|开始日期=2026-01-01|结束日期=2026-12-31|原因=长期病休|批准人=局党委" } },
    { "来信诉求台账", 1, {
        "日期=2026-03-05|诉求编号=XX2026-001|渠道=来信|人员编号=P001|答复日期=2026-03-20" } },
    { "案件处理台账", 1, {
        "日期=2026-01-20|案件编号=XF2026-001|人员编号=P001|处理方式=亲自协调" } },
    { "挂职培训台账", 1, {
        "日期=2026-03-10|挂职编号=GZ-001|人员编号=P004" } },
    { "挂职联络台账", 1, {
        "日期=2026-05-10|挂职编号=GZ-001|人员编号=P001" } },
    { "党代表工作室台账", 1, {
        "日期=2026-01-05|工作室=党代表工作室|固定接待日=每月第一个星期三上午|开始日期=2026-01-01" } },
    { "统一活动日台账", 1, {
        "日期=2026-02-15|党组织=B01" } },
    { "作废台账", 2, {
        "更正编号=JF-004|原因=录入重复|日期=2026-04-20",
        "更正编号=DY-PLAN-01|原因=计划调整，以新计划为准|日期=2026-02-01" } },
};
#define N_LEDGERS (sizeof s_ledgers / sizeof s_ledgers[0])

//  One CSV cell, quoted when it holds a comma, a quote or a line break.
static char *
s_cell (const char *text)
{
    if (!strpbrk (text, ",\"\r\n"))
        return ml_h_str ("%s", text);
    char *out = ml_h_str ("\"");
    for (const char *p = text; *p; p++)
        out = ml_h_str ("%s%s", out, *p == '"' ? "\"\"" : ml_h_str ("%c", *p));
    return ml_h_str ("%s\"", out);
}

//  The value ROW gives HEADER ("" when none).
static const char *
s_value (const char *row, const char *header)
{
    char *key = ml_h_str ("%s=", header);
    for (const char *p = row; p && *p; ) {
        const char *end = strchr (p, '|');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        if (strncmp (p, key, strlen (key)) == 0)
            return ml_h_str ("%.*s", (int) (len - strlen (key)), p + strlen (key));
        p = end ? end + 1 : NULL;
    }
    return "";
}

//  The template of LEDGER (written by `massline-agent template --all DIR`) filled with its
//  rows, as UTF-8 text without BOM, CRLF line ends. Asserts every row only names columns
//  the template has.
static char *
s_fill (const char *dir, const s_ledger_t *ledger)
{
    char *tpl = ml_h_read (ml_h_str ("%s/%s.csv", dir, ledger->ledger));
    cr_assert_not_null (tpl, "no template %s", ledger->ledger);
    cr_assert (strncmp (tpl, "\xEF\xBB\xBF", 3) == 0, "%s: the template has a BOM", ledger->ledger);
    char *header = ml_h_str ("%.*s", (int) strcspn (tpl + 3, "\r\n"), tpl + 3);
    char *headers[32];
    int n = 0;
    char *save;
    for (char *h = strtok_r (header, ",", &save); h && n < 32; h = strtok_r (NULL, ",", &save))
        headers[n++] = h;
    char *text = ml_h_str ("%.*s\r\n", (int) strcspn (tpl + 3, "\r\n"), tpl + 3);
    for (int r = 0; r < 8 && ledger->rows[r]; r++) {
        const char *row = ledger->rows[r];
        //  every header=value of the row must be a column of the template
        for (const char *p = row; p && *p; ) {
            const char *eq = strchr (p, '=');
            char *key = ml_h_str ("%.*s", (int) (eq - p), p);
            bool found = false;
            for (int c = 0; c < n; c++)
                found |= strcmp (headers[c], key) == 0;
            cr_assert (found, "%s has no column %s", ledger->ledger, key);
            p = strchr (p, '|');
            p = p ? p + 1 : NULL;
        }
        for (int c = 0; c < n; c++)
            text = ml_h_str ("%s%s%s", text, c ? "," : "", s_cell (s_value (row, headers[c])));
        text = ml_h_str ("%s\r\n", text);
    }
    return text;
}

//  Writes every filled template into DIR/ENC/ (gb18030 or utf8-bom); PATHS gets the files in
//  import order (persons and orgs first, voids last). Returns the events they make.
static long
s_write_ledgers (const char *tpl, const char *enc, char *paths[N_LEDGERS])
{
    char *dir = ml_h_str ("%s/%s", ml_h_dir (), enc);
    cr_assert_eq (mkdir (dir, 0700), 0);
    long events = 0;
    for (size_t i = 0; i < N_LEDGERS; i++) {
        char *text = s_fill (tpl, &s_ledgers[i]);
        paths[i] = ml_h_str ("%s/%s.csv", dir, s_ledgers[i].ledger);
        if (strcmp (enc, "gb18030") == 0) {
            size_t len;
            char *gb = s_gb18030 (text, &len);
            s_write_bytes (paths[i], gb, len);
        }
        else {
            char *bom = ml_h_str ("\xEF\xBB\xBF%s", text);
            s_write_bytes (paths[i], bom, strlen (bom));
        }
        events += s_ledgers[i].events;
    }
    return events;
}

Test (ledger, every_template_filled_in_as_gb18030_and_utf8_with_bom,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    char *tpl = ml_h_str ("%s/templates", ml_h_dir ());
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "template", "--all", tpl, NULL);
    cr_assert_eq (code, 0, "template --all exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_run (&out, 60000, ML_AGENT, "template", "--list", NULL), 0);
    cr_assert_eq (ml_h_count_lines (out.out, "台账"), (int) N_LEDGERS, "one ledger of the test per template");

    struct { const char *unit, *enc; } cases[] = { { "H001", "gb18030" }, { "H002", "utf8-bom" } };
    long expected = 0;
    for (size_t k = 0; k < 2; k++) {
        char *paths[N_LEDGERS];
        long events = s_write_ledgers (tpl, cases[k].enc, paths);
        expected = events;
        //  one import command, persons first: each file its own all-or-nothing transaction
        char *argv[N_LEDGERS + 5] = { (char *) ML_AGENT, "-c", (char *) ml_h_agent_ini (cases[k].unit),
                                      "import" };
        for (size_t i = 0; i < N_LEDGERS; i++)
            argv[4 + i] = paths[i];
        code = ml_h_runv (&out, 300000, argv);
        cr_assert_eq (code, 0, "%s import (%s) exited %d: %s", cases[k].unit, cases[k].enc, code, out.err);
        long total = 0;
        for (size_t i = 0; i < N_LEDGERS; i++) {
            long recorded, skipped;
            s_counts (&out, paths[i], &recorded, &skipped);
            cr_assert_eq (recorded, s_ledgers[i].events, "%s (%s): %ld events, expected %d",
                          s_ledgers[i].ledger, cases[k].enc, recorded, s_ledgers[i].events);
            total += recorded;
        }
        cr_assert_eq (total, events);
        cr_assert_eq (s_pending (ml_h_agent_ini (cases[k].unit)), events);
        s_flush (ml_h_agent_ini (cases[k].unit));
        long stored, rejected;
        s_collector_unit (cases[k].unit, &stored, &rejected);
        cr_assert_eq (rejected, 0, "%s: the collector rejected %ld events: %s", cases[k].unit, rejected,
                      json_dumps (s_agent_status (ml_h_agent_ini (cases[k].unit)), 0));
        cr_assert_eq (stored, events, "%s: the collector holds %ld events, expected %ld",
                      cases[k].unit, stored, events);
    }
    //  the same ledgers in either encoding are the same events: same refs in both units
    size_t n;
    char **refs = ml_h_collector_refs (&n);
    cr_assert_eq (n, 2 * (size_t) expected, "every event has its ref at the collector");
    for (size_t i = 0; i < n / 2; i++) {
        cr_assert_str_eq (strchr (refs[i], '/'), strchr (refs[i + n / 2], '/'),
                          "H001 (GB18030) and H002 (UTF-8) hold other refs: %s, %s", refs[i], refs[i + n / 2]);
    }
    s_check_collector ();
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// Bad rows, re-imports, extended files

static const char s_persons[] = "人员编号,姓名,职务类别,开始日期\r\n"
                                "P001,张伟,主要领导,2024-01-01\r\n"
                                "P002,李娜,班子成员,2024-01-01\r\n"
                                "P003,王建国,支部书记,2025-01-01\r\n";

//  N reception-day rows (no 编号: derived refs), one day apart from 2024-01-01 on, starting
//  with row FIRST; the rows in BAD (line numbers, 0-terminated) are wrong each in its own way.
static char *
s_reception_rows (int first, int n, const int *bad)
{
    static const char *const modes[] = { "定点接访", "公开接访", "重点约访", "专题接访" };
    size_t cap = (size_t) n * 64 + 128, len = 0;
    char *text = ml_h_str ("%*s", (int) cap, "");
    len += (size_t) snprintf (text, cap, "日期,人员编号,接访方式,公布日期,备注\r\n");
    for (int i = first; i < first + n; i++) {
        int line = i + 2;       //  row i of the file is on line i + 2 (after the header)
        char date[11], announced[11];
        ml_date_format (ml_date_from_ymd (2024, 1, 1) + i, date);
        ml_date_format (ml_date_from_ymd (2024, 1, 1) + i - 3, announced);
        const char *person = i % 3 == 0 ? "P001" : i % 3 == 1 ? "P002" : "P003";
        const char *mode = modes[i % 4];
        for (int b = 0; bad && bad[b]; b++)
            if (bad[b] == line) {
                if (b == 0)
                    snprintf (announced, sizeof announced, "2025/2/30");
                else if (b == 1)
                    person = "P999";
                else
                    mode = "走访";
            }
        len += (size_t) snprintf (text + len, cap - len, "%s,%s,%s,%s,第%d条\r\n", date, person, mode,
                                  announced, i + 1);
    }
    return text;
}

Test (ledger, three_bad_rows_among_500_are_three_lines_and_import_nothing,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H001");
    char *persons = ml_h_str ("%s/人员台账.csv", ml_h_dir ());
    ml_h_write (persons, s_persons);
    cr_assert_eq (s_import_ok (ini, persons, NULL), 3);

    char *path = ml_h_str ("%s/接访台账.csv", ml_h_dir ());
    const int bad[] = { 57, 233, 498, 0 };
    ml_h_write (path, s_reception_rows (0, 500, bad));
    ml_h_out_t out;
    int code = s_agent (&out, ini, "import", path);
    cr_assert_eq (code, 1, "import with bad rows exited %d", code);
    char *prefix = ml_h_str ("massline-agent: %s:", path);
    cr_assert_eq (ml_h_count_lines (out.err, prefix), 3 + 1, "3 rows and one summary: %s", out.err);
    const char *want[] = {
        ml_h_str ("%s57: field '公布日期': not a date (2025/2/30)", prefix),
        ml_h_str ("%s233: field '人员编号': unknown person 'P999'", prefix),
        ml_h_str ("%s498: field '接访方式': unknown value '走访' (expected one of 定点接访, 公开接访, "
                  "重点约访, 专题接访, 带案下访, 上门回访)", prefix) };
    for (int i = 0; i < 3; i++)
        cr_assert_eq (ml_h_count_lines (out.err, want[i]), 1, "missing: %s\nin: %s", want[i], out.err);
    cr_assert_eq (ml_h_count_lines (out.err, ml_h_str ("massline-agent: %s: nothing recorded", path)), 1);
    cr_assert_eq (s_pending (ini), 3, "nothing of the file was recorded");

    //  fixed, it imports whole; again, nothing is new; extended, only the new rows are
    ml_h_write (path, s_reception_rows (0, 500, NULL));
    cr_assert_eq (s_import_ok (ini, path, NULL), 500);
    long skipped;
    cr_assert_eq (s_import_ok (ini, path, &skipped), 0);
    cr_assert_eq (skipped, 500);
    char *longer = ml_h_str ("%s%s", s_reception_rows (0, 500, NULL),
                             strchr (s_reception_rows (500, 20, NULL), '\n') + 1);
    ml_h_write (path, longer);
    cr_assert_eq (s_import_ok (ini, path, &skipped), 20);
    cr_assert_eq (skipped, 500);
    cr_assert_eq (s_pending (ini), 3 + 520);

    //  a header that is no ledger's is one line about the file
    ml_h_write (path, "日期,人员编号,颜色\r\n2026-01-01,P001,红\r\n");
    code = s_agent (&out, ini, "import", path);
    cr_assert_eq (code, 1);
    cr_assert_str_eq (out.err, ml_h_str ("massline-agent: %s: column '颜色' is not a ledger column\n", path));
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// SIGKILL during a 100,000-row import: all of it or none of it

#define S_BIG 100000

static char *
s_big_ledger (void)
{
    char *path = ml_h_str ("%s/2025年接访台账.csv", ml_h_dir ());
    FILE *file = fopen (path, "wb");
    cr_assert_not_null (file);
    //  GB18030, as a real one would be: the header and labels in GB18030, the rest ASCII
    size_t len;
    char *head = s_gb18030 ("编号,日期,人员编号,接访方式,公布日期,备注\r\n", &len);
    fwrite (head, 1, len, file);
    char *modes[2], *note;
    size_t mlen[2], nlen;
    modes[0] = s_gb18030 ("定点接访", &mlen[0]);
    modes[1] = s_gb18030 ("公开接访", &mlen[1]);
    note = s_gb18030 ("门诊楼一楼接待室", &nlen);
    for (int i = 0; i < S_BIG; i++) {
        char date[11];
        ml_date_format (ml_date_from_ymd (2024, 1, 1) + i % 1000, date);
        fprintf (file, "K%06d,%s,P00%d,%.*s,,%.*s\r\n", i, date, 1 + i % 3, (int) mlen[i % 2],
                 modes[i % 2], (int) nlen, note);
    }
    cr_assert_eq (fclose (file), 0);
    return path;
}

Test (ledger, sigkill_during_a_100000_row_import_leaves_all_or_none,
      .init = ml_h_init, .fini = ml_h_fini, .timeout = 600)
{
    ml_h_bureau ();
    char *persons = ml_h_str ("%s/人员台账.csv", ml_h_dir ());
    ml_h_write (persons, s_persons);
    char *big = s_big_ledger ();

    //  how long a whole import takes here (sanitizers make it slower)
    const char *ini = s_agent_copy ("H001", "outbox-full");
    cr_assert_eq (s_import_ok (ini, persons, NULL), 3);
    long long t0 = s_now_ms ();
    cr_assert_eq (s_import_ok (ini, big, NULL), S_BIG);
    long long took = s_now_ms () - t0;
    cr_assert_eq (s_pending (ini), 3 + S_BIG);
    cr_log_info ("a 100,000-row import takes %lld ms here", took);

    //  killed at fractions of that time, and (-1) the moment the commit starts writing pages
    const double at[] = { 0.05, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0, -1, -1 };
    int none = 0, all = 0;
    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
        ini = s_agent_copy ("H001", ml_h_str ("outbox-kill%zu", k));
        cr_assert_eq (s_import_ok (ini, persons, NULL), 3);
        char *data = ml_h_str ("%s/agents/H001/outbox-kill%zu/data.mdb", ml_h_bureau (), k);
        struct stat st;
        cr_assert_eq (stat (data, &st), 0);
        off_t size = st.st_size;
        pid_t pid = ml_h_spawn (ml_h_str ("import-kill%zu", k), ML_AGENT, "-c", ini, "import", big, NULL);
        if (at[k] >= 0)
            s_sleep_ms ((int) (took * at[k]));
        else {
            //  LMDB writes a transaction's pages at its commit, then the meta page
            long long until = s_now_ms () + 10 * took + 10000;
            while (ml_h_alive (pid) && stat (data, &st) == 0 && st.st_size == size && s_now_ms () < until)
                ;
        }
        int code = ml_h_stop (pid, SIGKILL);
        long pending = s_pending (ini);
        cr_assert (pending == 3 || pending == 3 + S_BIG,
                   "killed at %.0f%% (exit %d): %ld events pending, expected 3 or %d", at[k] * 100,
                   code, pending, 3 + S_BIG);
        cr_log_info ("killed %s: exit %d, %s of it recorded",
                     at[k] < 0 ? "as the commit wrote its pages" : ml_h_str ("at %.0f%%", at[k] * 100),
                     code, pending == 3 ? "none" : "all");
        none += pending == 3;
        all += pending != 3;
        //  whatever happened, the outbox is whole: importing again completes it
        s_import_ok (ini, big, NULL);
        cr_assert_eq (s_pending (ini), 3 + S_BIG);
    }
    cr_log_info ("SIGKILL left none of the file %d times, all of it %d times", none, all);
    cr_assert_gt (none, 0, "at least one kill should come before the commit");
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// The spool folder

//  True when the file ARG exists.
static bool
s_exists (void *arg)
{
    struct stat st;
    return stat (arg, &st) == 0;
}

typedef struct {
    const char *unit;
    long events;
} s_expect_t;

static bool
s_collector_has (void *arg)
{
    s_expect_t *e = arg;
    return ml_h_collector_events (e->unit) == e->events;
}

//  Puts TEXT into DIR/NAME the safe way: written beside it under a dot name, then renamed in.
static void
s_drop (const char *dir, const char *name, const char *text)
{
    char *tmp = ml_h_str ("%s/.%s.part", dir, name);
    ml_h_write (tmp, text);
    cr_assert_eq (rename (tmp, ml_h_str ("%s/%s", dir, name)), 0);
}

Test (ledger, spool_folder_imports_and_sorts_into_done_and_failed,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    const char *ini = ml_h_agent_ini ("H003");
    char *spool = ml_h_str ("%s/agents/H003/spool", ml_h_bureau ());
    cr_assert (!s_exists (spool), "no spool folder before run");
    ml_h_spawn ("agent-run", ML_AGENT, "-c", ini, "run", NULL);
    cr_assert (ml_h_until (s_exists, ml_h_str ("%s/failed", spool), 20000), "run creates the spool folder");
    cr_assert (s_exists (ml_h_str ("%s/done", spool)));

    //  dropped together: the person ledger goes first, whatever the names' order
    const char *good = "编号,日期,人员编号,接访方式,公布日期\r\n"
                       "JF-1,2026-01-15,P001,定点接访,2026-01-10\r\n"
                       "JF-2,2026-02-12,P002,公开接访,\r\n";
    const char *bad = "日期,人员编号,接访方式\r\n"
                      "2026-03-01,P001,走访\r\n"
                      "2026-03-02,P001,定点接访\r\n"
                      "2026-03-03,P777,定点接访\r\n";
    s_drop (spool, "01-接访台账.csv", good);
    s_drop (spool, "02-接访台账.csv", bad);
    s_drop (spool, "人员台账.csv", s_persons);
    ml_h_write (ml_h_str ("%s/.~lock.接访台账.csv#", spool), "an office suite's lock file");
    ml_h_write (ml_h_str ("%s/readme.txt", spool), "not a ledger");

    char *errors = ml_h_str ("%s/failed/02-接访台账.csv.errors.txt", spool);
    cr_assert (ml_h_until (s_exists, errors, 20000), "the bad file gets its errors: %s",
               ml_h_read (ml_h_str ("%s/agent-run.err", ml_h_dir ())));
    cr_assert (ml_h_until (s_exists, ml_h_str ("%s/done/01-接访台账.csv", spool), 20000));
    cr_assert (s_exists (ml_h_str ("%s/done/人员台账.csv", spool)));
    cr_assert (s_exists (ml_h_str ("%s/failed/02-接访台账.csv", spool)));
    cr_assert_str_eq (ml_h_read (errors),
        "02-接访台账.csv:2: field '接访方式': unknown value '走访' (expected one of 定点接访, 公开接访, "
        "重点约访, 专题接访, 带案下访, 上门回访)\n"
        "02-接访台账.csv:4: field '人员编号': unknown person 'P777'\n");
    cr_assert (s_exists (ml_h_str ("%s/readme.txt", spool)), "other files are left alone");
    cr_assert (s_exists (ml_h_str ("%s/.~lock.接访台账.csv#", spool)));
    s_expect_t e = { "H003", 3 + 2 };
    cr_assert (ml_h_until (s_collector_has, &e, 30000), "the collector has %ld events of H003, expected 5",
               ml_h_collector_events ("H003"));

    //  as after a crash between the commit and the move: the file is there again, imports
    //  nothing new, and moves on (beside the first one of that name)
    s_drop (spool, "01-接访台账.csv", good);
    cr_assert (ml_h_until (s_exists, ml_h_str ("%s/done/01-接访台账.2.csv", spool), 20000),
               "a second file of the same name is kept beside the first");
    cr_assert_eq (ml_h_count_lines (ml_h_read (ml_h_str ("%s/agent-run.err", ml_h_dir ())),
                                    "01-接访台账.csv: 0 events recorded, 2 already recorded"), 1);

    //  fixed and put back, the failed file goes through
    s_drop (spool, "02-接访台账.csv", "日期,人员编号,接访方式\r\n2026-03-01,P001,上门回访\r\n"
                                      "2026-03-02,P001,定点接访\r\n2026-03-03,P003,定点接访\r\n");
    cr_assert (ml_h_until (s_exists, ml_h_str ("%s/done/02-接访台账.csv", spool), 20000));
    e.events = 3 + 2 + 3;
    cr_assert (ml_h_until (s_collector_has, &e, 30000), "the collector has %ld events of H003",
               ml_h_collector_events ("H003"));

    //  a file written in place, bit by bit for over a second, is taken once it stops growing
    char *slow = ml_h_str ("%s/03-接访台账.csv", spool);
    FILE *file = fopen (slow, "wb");
    cr_assert_not_null (file);
    fputs ("日期,人员编号,接访方式\r\n", file);
    for (int chunk = 0; chunk < 15; chunk++) {
        for (int i = 0; i < 4; i++) {
            char date[11];
            ml_date_format (ml_date_from_ymd (2026, 5, 1) + chunk * 4 + i, date);
            fprintf (file, "%s,P002,专题接访\r\n", date);
        }
        fflush (file);
        s_sleep_ms (100);
    }
    cr_assert_eq (fclose (file), 0);
    cr_assert (ml_h_until (s_exists, ml_h_str ("%s/done/03-接访台账.csv", spool), 20000));
    e.events = 3 + 2 + 3 + 60;
    cr_assert (ml_h_until (s_collector_has, &e, 30000), "the collector has %ld events of H003, "
               "expected all 60 rows of the slowly written file", ml_h_collector_events ("H003"));
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// Corrections and voids from the agent, and rejections said as FILE:LINE

Test (ledger, correct_and_void_end_to_end_with_the_collectors_history,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    const char *ini = ml_h_agent_ini ("H002");
    char *persons = ml_h_str ("%s/人员台账.csv", ml_h_dir ());
    ml_h_write (persons, s_persons);
    cr_assert_eq (s_import_ok (ini, persons, NULL), 3);
    char *path = ml_h_str ("%s/接访台账.csv", ml_h_dir ());
    ml_h_write (path, "编号,日期,人员编号,接访方式,公布日期\r\n"
                      "JF-1,2026-01-15,P001,定点接访,2026-01-10\r\n"
                      "JF-2,2026-02-12,P002,公开接访,\r\n"
                      ",2026-03-12,P003,专题接访,2026-03-01\r\n");
    cr_assert_eq (s_import_ok (ini, path, NULL), 3);
    s_flush (ini);
    long events, rejected;
    s_collector_unit ("H002", &events, &rejected);
    cr_assert_eq (events, 6);

    //  refs says which ref each row got, and that it is recorded; it records nothing
    ml_h_out_t out;
    int code = s_agent (&out, ini, "refs", path);
    cr_assert_eq (code, 0, "refs exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_count_lines (out.out, ml_h_str ("%s:2\tJF-1\trecorded (seq 4)", path)), 1, "%s", out.out);
    cr_assert_eq (ml_h_count_lines (out.out, ml_h_str ("%s:4\t~", path)), 1, "%s", out.out);
    cr_assert_eq (ml_h_count_lines (out.out, "\trecorded (seq "), 3, "%s", out.out);

    //  correct: the current version with the keys changed; prints the correction's ref
    code = s_agent (&out, ini, "correct", "JF-1", "announced=2026-01-08", "note=公布于院务公开栏");
    cr_assert_eq (code, 0, "correct exited %d: %s", code, out.err);
    char *c1 = ml_h_str ("%.*s", (int) strcspn (out.out, "\n"), out.out);
    cr_assert_eq (c1[0], '~', "a derived ref: %s", c1);
    //  the same correction again is nothing new
    code = s_agent (&out, ini, "correct", "JF-1", "announced=2026-01-08", "note=公布于院务公开栏");
    cr_assert_eq (code, 0);
    cr_assert (strstr (out.err, "already reads so"), "%s", out.err);
    //  a second correction builds on the first (the note stays)
    code = s_agent (&out, ini, "correct", "JF-1", "mode=open");
    cr_assert_eq (code, 0, "%s", out.err);
    char *c2 = ml_h_str ("%.*s", (int) strcspn (out.out, "\n"), out.out);
    cr_assert_str_neq (c1, c2);
    //  a correction's own ref, a bad value, an unknown ref: refused, nothing recorded
    code = s_agent (&out, ini, "correct", c1, "mode=open");
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, ml_h_str ("is itself a correction of JF-1; correct JF-1 instead"))
               , "%s", out.err);
    code = s_agent (&out, ini, "correct", "JF-1", "announced=2026/2/30");
    cr_assert_eq (code, 1);
    cr_assert_str_eq (out.err, "massline-agent: correct: field 'event.announced': not a date (2026/2/30)\n");
    code = s_agent (&out, ini, "correct", "JF-9", "mode=open");
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "JF-9 is not in this agent's outbox"), "%s", out.err);

    //  void
    code = s_agent (&out, ini, "void", "JF-2", "--reason", "录入重复");
    cr_assert_eq (code, 0, "void exited %d: %s", code, out.err);
    char *v1 = ml_h_str ("%.*s", (int) strcspn (out.out, "\n"), out.out);
    code = s_agent (&out, ini, "void", "JF-2", "--reason", "录入重复");
    cr_assert_eq (code, 0);
    cr_assert (strstr (out.err, "voided already"), "%s", out.err);
    code = s_agent (&out, ini, "correct", "JF-2", "mode=thematic");
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "JF-2 is voided"), "%s", out.err);

    //  at the collector: both versions of JF-1 and the void, nothing rejected, aggregates agree
    s_flush (ini);
    s_collector_unit ("H002", &events, &rejected);
    cr_assert_eq (events, 6 + 3, "the originals, two corrections and a void");
    cr_assert_eq (rejected, 0);
    size_t n;
    char **refs = ml_h_collector_refs (&n);
    const char *want[] = { "H002/JF-1", "H002/JF-2", ml_h_str ("H002/%s", c1), ml_h_str ("H002/%s", c2),
                           ml_h_str ("H002/%s", v1) };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= strcmp (refs[i], want[w]) == 0;
        cr_assert (found, "the collector has no ref %s", want[w]);
    }
    json_t *status = s_agent_status (ini);
    cr_assert_eq (json_array_size (json_object_get (status, "rejected")), 0);
    json_decref (status);
    s_check_collector ();
    ml_h_pass ();
}

Test (ledger, status_says_collector_rejections_as_file_and_line,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    //  a collector whose today is earlier than the agent's: it refuses events the agent took
    setenv ("MASSLINE_TODAY", "2026-06-30", 1);
    ml_h_collector_start ();
    setenv ("MASSLINE_TODAY", "2026-11-26", 1);
    const char *ini = ml_h_agent_ini ("H001");
    char *persons = ml_h_str ("%s/人员台账.csv", ml_h_dir ());
    ml_h_write (persons, s_persons);
    cr_assert_eq (s_import_ok (ini, persons, NULL), 3);
    char *path = ml_h_str ("%s/接访台账.csv", ml_h_dir ());
    ml_h_write (path, "编号,日期,人员编号,接访方式,公布日期\r\n"
                      "JF-1,2026-05-15,P001,定点接访,2026-05-10\r\n"
                      "\r\n"
                      "JF-2,2026-08-12,P002,公开接访,2026-08-01\r\n");
    cr_assert_eq (s_import_ok (ini, path, NULL), 2);
    s_flush (ini);

    ml_h_out_t out;
    int code = s_agent (&out, ini, "status");
    cr_assert_eq (code, 0);
    char *want = ml_h_str ("  %s:4: field '日期': after today (2026-08-12 > 2026-06-30)  [invalid; ref JF-2,",
                           path);
    cr_assert_eq (ml_h_count_lines (out.out, want), 1, "want: %s\nstatus:\n%s", want, out.out);
    json_t *status = s_agent_status (ini);
    json_t *r = json_array_get (json_object_get (status, "rejected"), 0);
    cr_assert_str_eq (json_string_value (json_object_get (r, "message")),
                      ml_h_str ("%s:4: field '日期': after today (2026-08-12 > 2026-06-30)", path));
    cr_assert_str_eq (json_string_value (json_object_get (r, "reason")),
                      "field 'date': after today (2026-08-12 > 2026-06-30)", "the collector's own words");
    json_decref (status);

    //  the rejected event is fixed with `correct`: its fixed version takes over the ref
    code = s_agent (&out, ini, "correct", "JF-2", "date=2026-06-12", "announced=2026-06-01");
    cr_assert_eq (code, 0, "correct exited %d: %s", code, out.err);
    cr_assert_str_eq (out.out, "JF-2\n");
    s_flush (ini);
    long events, rejected;
    s_collector_unit ("H001", &events, &rejected);
    cr_assert_eq (events, 3 + 1 + 1, "the fixed JF-2 is in");
    code = s_agent (&out, ini, "status");
    cr_assert (strstr (out.out, "fixed version recorded as seq 6"), "%s", out.out);
    ml_h_pass ();
}
