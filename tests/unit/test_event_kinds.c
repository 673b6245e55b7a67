/* test_event_kinds.c -- events, one test per kind: a realistic valid event and each way it can
   be wrong (validation texts, round trips). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_test.h"
#include "ml_test_event.h"

TestSuite (event, .init = t_ev_setup);

Test (event, kind_person)
{
    t_ev_case_t cases[] = {
        { "{'kind':'person','person':'P1','name':'张伟','org':'B1','date':'2024-01-01','roles':["
          "{'role':'main_leader','from':'2024-01-01'},"
          "{'role':'seconded','from':'2026-03-01','to':'2026-08-31','category':'reserve'},"
          "{'role':'rep_city','from':'2023-01-01','frontline':true,'term_from':'2023-01-01','term_to':'2027-12-31'}]}", "ok" },
        //  the person being declared need not be on the roster yet; roles may start ahead
        { "{'kind':'person','person':'P9','name':'李娜','roles':[{'role':'leader','from':'2027-01-01'}]}", "ok" },
        { "{'kind':'person','person':'P9','name':'李娜','roles':[]}", "ok" },
        { "{'kind':'person','person':'P1'}", "field 'name': missing" },
        { "{'kind':'person','name':'张伟'}", "field 'person': missing" },
        { "{'kind':'person','person':'P 1','name':'张伟'}", "field 'person': not a valid id (P 1)" },
        { "{'kind':'person','person':'P1','name':''}", "field 'name': empty" },
        { "{'kind':'person','person':'P1','name':['张伟']}", "field 'name': expected a string" },
        { "{'kind':'person','person':'P1','name':'张伟','date':'2027-01-05'}", "field 'date': after today (2027-01-05 > 2026-11-26)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':{'role':'leader','from':'2024-01-01'}}", "field 'roles': expected a list of objects" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':['leader']}", "field 'roles': expected a list of objects" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'boss','from':'2024-01-01'}]}",
          "field 'roles[0].role': unknown value 'boss' (expected one of main_leader, leader, org_head, party_member, rep_city, rep_unit, seconded)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2024-01-01'},{'role':'leader'}]}", "field 'roles[1].from': missing" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'from':'2024-01-01'}]}", "field 'roles[0].role': missing" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2026-13-01'}]}", "field 'roles[0].from': not a date (2026-13-01)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2025-02-01','to':'2025-01-01'}]}",
          "field 'roles[0].to': before 'from' (2025-01-01 < 2025-02-01)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'rep_unit','from':'2023-01-01','term_from':'2023-01-01','term_to':'2022-12-31'}]}",
          "field 'roles[0].term_to': before 'term_from' (2022-12-31 < 2023-01-01)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'rep_unit','from':'2023-01-01','frontline':'yes'}]}", "field 'roles[0].frontline': expected true or false" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'seconded','from':'2023-01-01','category':'veteran'}]}",
          "field 'roles[0].category': unknown value 'veteran' (expected one of reserve, new_recruit)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2024-01-01','colour':'red'}]}", "field 'roles[0].colour': unknown key for kind 'person'" },
        { "{'kind':'person','person':'P1','name':'张伟','colour':'red'}", "field 'colour': unknown key for kind 'person'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_org)
{
    t_ev_case_t cases[] = {
        { "{'kind':'org','org':'B1','name':'内科党支部','head':'P2','date':'2025-03-01'}", "ok" },
        { "{'kind':'org','org':'B3','name':'外科党支部'}", "ok" },
        { "{'kind':'org','org':'B1','name':'内科党支部','head':'P9'}", "field 'head': unknown person 'P9'" },
        { "{'kind':'org','org':'B/1','name':'内科党支部'}", "field 'org': not a valid id (B/1)" },
        { "{'kind':'org','name':'内科党支部'}", "field 'org': missing" },
        { "{'kind':'org','org':'B1'}", "field 'name': missing" },
        { "{'kind':'org','org':'B1','name':'内科党支部','date':'2025-02-29'}", "field 'date': not a date (2025-02-29)" },
        { "{'kind':'org','org':'B1','name':'内科党支部','colour':'red'}", "field 'colour': unknown key for kind 'org'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_research_plan)
{
    t_ev_case_t cases[] = {
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1'}", "ok" },
        { "{'kind':'research_plan','date':'2026-11-26','person':'P1'}", "ok" },     //  today itself
        { "{'kind':'research_plan','person':'P1'}", "field 'date': missing" },
        { "{'kind':'research_plan','date':'2026-01-15'}", "field 'person': missing" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P9'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'research_plan','date':'2026-02-30','person':'P1'}", "field 'date': not a date (2026-02-30)" },
        { "{'kind':'research_plan','date':'2026/01/15','person':'P1'}", "field 'date': not a date (2026/01/15)" },
        { "{'kind':'research_plan','date':'2026-11-27','person':'P1'}", "field 'date': after today (2026-11-27 > 2026-11-26)" },
        { "{'kind':'research_plan','date':20260115,'person':'P1'}", "field 'date': expected a string" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','title':'计划'}", "field 'title': unknown key for kind 'research_plan'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_research_trip)
{
    t_ev_case_t cases[] = {
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-04','place':'城西社区卫生服务中心',"
          "'stationed':true,'unannounced':false,'topic':'基层医疗服务能力'}", "ok" },
        //  the end of a trip may lie ahead of today
        { "{'kind':'research_trip','date':'2026-11-25','person':'P1','end':'2026-12-01','place':null}", "ok" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-02'}", "ok" },     //  a one-day trip
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-01'}", "field 'end': before 'date' (2026-03-01 < 2026-03-02)" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1'}", "field 'end': missing" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-04','stationed':'yes'}", "field 'stationed': expected true or false" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-04','unannounced':1}", "field 'unannounced': expected true or false" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-04','topic':123}", "field 'topic': expected a string" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-3-4'}", "field 'end': not a date (2026-3-4)" },
        { "{'kind':'research_trip','date':'2027-03-02','person':'P1','end':'2027-03-04'}", "field 'date': after today (2027-03-02 > 2026-11-26)" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P9','end':'2026-03-04'}", "field 'person': unknown person 'P9'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_research_report)
{
    t_ev_case_t cases[] = {
        { "{'kind':'research_report','date':'2026-04-10','person':'P1','title':'关于门诊流程优化的调研报告'}", "ok" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P1','title':''}", "field 'title': empty" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P1'}", "field 'title': missing" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P1','title':['调研']}", "field 'title': expected a string" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P9','title':'调研报告'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'research_report','date':'2026-04-31','person':'P1','title':'调研报告'}", "field 'date': not a date (2026-04-31)" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P1','title':'调研报告','pages':12}", "field 'pages': unknown key for kind 'research_report'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_work_item)
{
    t_ev_case_t cases[] = {
        { "{'kind':'work_item','date':'2026-05-06','person':'P2','title':'缩短门诊患者候诊时间'}", "ok" },
        { "{'kind':'work_item','date':'2026-05-06','title':'缩短门诊患者候诊时间'}", "field 'person': missing" },
        { "{'kind':'work_item','date':'2026-05-06','person':'P9','title':'缩短门诊患者候诊时间'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'work_item','date':'2026-05-06','person':'P2','title':''}", "field 'title': empty" },
        { "{'kind':'work_item','date':'2026-12-06','person':'P2','title':'缩短候诊时间'}", "field 'date': after today (2026-12-06 > 2026-11-26)" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_results_exchange)
{
    t_ev_case_t cases[] = {
        { "{'kind':'results_exchange','date':'2026-06-20','note':'全院调研成果交流会'}", "ok" },
        { "{'kind':'results_exchange','note':'调研成果交流会'}", "field 'date': missing" },
        { "{'kind':'results_exchange','date':'2026-06-20','person':'P1'}", "field 'person': unknown key for kind 'results_exchange'" },
        { "{'kind':'results_exchange','date':'2026-06-31'}", "field 'date': not a date (2026-06-31)" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_contact_point)
{
    t_ev_case_t cases[] = {
        { "{'kind':'contact_point','date':'2026-02-01','person':'P1','point':'城东街道社区卫生站','to':'2027-01-31'}", "ok" },
        { "{'kind':'contact_point','date':'2026-02-01','person':'P1','point':'城东街道社区卫生站','to':'2026-01-31'}",
          "field 'to': before 'date' (2026-01-31 < 2026-02-01)" },
        { "{'kind':'contact_point','date':'2026-02-01','person':'P1'}", "field 'point': missing" },
        { "{'kind':'contact_point','date':'2026-02-01','person':'P1','point':''}", "field 'point': empty" },
        { "{'kind':'contact_point','date':'2026-02-01','person':'P9','point':'城东街道'}", "field 'person': unknown person 'P9'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_paired_family)
{
    t_ev_case_t cases[] = {
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3','family':'李大爷一家（独居老人）'}", "ok" },
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3','family':''}", "field 'family': empty" },
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3'}", "field 'family': missing" },
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3','family':'李家','to':'2026-12-31'}", "ok" },
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3','family':'李家','from':'2026-03-01','to':'2026-02-28'}", "field 'to': before 'from' (2026-02-28 < 2026-03-01)" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_contact_visit)
{
    t_ev_case_t cases[] = {
        { "{'kind':'contact_visit','date':'2026-07-08','person':'P1','point':'城东街道社区卫生站'}", "ok" },
        { "{'kind':'contact_visit','date':'2026-11-27','person':'P1','point':'城东街道'}", "field 'date': after today (2026-11-27 > 2026-11-26)" },
        { "{'kind':'contact_visit','date':'2026-07-08','person':'P1'}", "field 'point': missing" },
        { "{'kind':'contact_visit','date':'2026-07-08','person':'P1','point':false}", "field 'point': expected a string" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_practical_deed)
{
    t_ev_case_t cases[] = {
        { "{'kind':'practical_deed','date':'2026-08-15','person':'P2','beneficiary':'城东街道居民','title':'开展义诊活动，免费测量血压血糖'}", "ok" },
        { "{'kind':'practical_deed','date':'2026-08-15','person':'P2','title':'开展义诊活动'}", "field 'beneficiary': missing" },
        { "{'kind':'practical_deed','date':'2026-08-15','person':'P2','beneficiary':'居民'}", "field 'title': missing" },
        { "{'kind':'practical_deed','date':'2026-08-15','person':'P2','beneficiary':'','title':'义诊'}", "field 'beneficiary': empty" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_secondment)
{
    t_ev_case_t cases[] = {
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'new_recruit','host':'市卫健委医政处',"
          "'from':'2026-01-05','to':'2026-12-31','mentor':'王主任'}", "ok" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'reserve','host':'市卫健委','from':'2026-02-01','to':'2026-01-20'}",
          "field 'to': before 'from' (2026-01-20 < 2026-02-01)" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'veteran','host':'市卫健委','from':'2026-01-05','to':'2026-12-31'}",
          "field 'category': unknown value 'veteran' (expected one of reserve, new_recruit)" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'reserve','from':'2026-01-05','to':'2026-12-31'}", "field 'host': missing" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'reserve','host':'市卫健委','from':'2026-01-05'}", "field 'to': missing" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','host':'市卫健委','from':'2026-01-05','to':'2026-12-31'}", "field 'category': missing" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P9','category':'reserve','host':'市卫健委','from':'2026-01-05','to':'2026-12-31'}",
          "field 'person': unknown person 'P9'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_secondment_review)
{
    t_ev_case_t cases[] = {
        { "{'kind':'secondment_review','date':'2026-09-30','person':'P3','note':'期中考核合格'}", "ok" },
        { "{'kind':'secondment_review','date':'2026-09-30'}", "field 'person': missing" },
        { "{'kind':'secondment_review','date':'2026-09-30','person':'P9'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'secondment_review','date':'2026-09-30','person':'P3','grade':'good'}", "field 'grade': unknown key for kind 'secondment_review'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_reception_day)
{
    t_ev_case_t cases[] = {
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'fixed_point','announced':'2026-03-10'}", "ok" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'home_return_visit'}", "ok" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'walk'}",
          "field 'mode': unknown value 'walk' (expected one of fixed_point, open, key_appointment, thematic, visit_with_case, home_return_visit)" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':3}", "field 'mode': expected a string" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1'}", "field 'mode': missing" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'open','announced':'2026-3-10'}", "field 'announced': not a date (2026-3-10)" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P9','mode':'open'}", "field 'person': unknown person 'P9'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_petition_case)
{
    t_ev_case_t cases[] = {
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':6,"
          "'measures':'协调医保部门核实报销政策','responsible':'医务处','deadline':'2026-04-30'}", "ok" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-018','person':'P1'}", "ok" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':0}", "field 'group_size': must be at least 1" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':'6'}", "field 'group_size': expected a whole number" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':2.5}", "field 'group_size': expected a whole number" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':-1}", "field 'group_size': out of range (-1)" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','deadline':'2026-04-01'}", "field 'deadline': before 'date' (2026-04-01 < 2026-04-02)" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF 2026','person':'P1'}", "field 'case': not a valid id (XF 2026)" },
        { "{'kind':'petition_case','date':'2026-04-02','person':'P1'}", "field 'case': missing" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P9'}", "field 'person': unknown person 'P9'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_petition_closed)
{
    t_ev_case_t cases[] = {
        { "{'kind':'petition_closed','date':'2026-04-28','case':'XF-2026-017','signed_by':'P2'}", "ok" },
        { "{'kind':'petition_closed','date':'2026-04-28','case':'XF-2026-017'}", "ok" },
        { "{'kind':'petition_closed','date':'2026-04-28','case':'XF-2026-017','signed_by':'P9'}", "field 'signed_by': unknown person 'P9'" },
        { "{'kind':'petition_closed','date':'2026-04-28','case':'XF-2026-017','signed_by':'王 院长'}", "field 'signed_by': not a valid id (王 院长)" },
        { "{'kind':'petition_closed','date':'2026-04-28'}", "field 'case': missing" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_talk)
{
    t_ev_case_t cases[] = {
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室护士长','with_category':'department','form':'individual','mode':'in_person'}", "ok" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'P2','with_category':'team_member'}", "ok" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室','with_category':'department','colour':'red'}", "field 'colour': unknown key for kind 'talk'" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室','with_category':'boss'}",
          "field 'with_category': unknown value 'boss' (expected one of team_member, department, contact_point, party_member, masses)" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室','with_category':'masses','form':'group'}",
          "field 'form': unknown value 'group' (expected one of individual, collective, random)" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室','with_category':'masses','mode':'walk'}",
          "field 'mode': unknown value 'walk' (expected one of in_person, phone, home_visit)" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with_category':'masses'}", "field 'with': missing" },
        { "{'kind':'talk','date':'2026-05-20','person':'P9','with':'群众','with_category':'masses'}", "field 'person': unknown person 'P9'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_opinion)
{
    t_ev_case_t cases[] = {
        { "{'kind':'opinion','date':'2026-06-01','opinion':'YJ-0601-01','channel':'hotline','topic':'希望延长周末门诊时间'}", "ok" },
        { "{'kind':'opinion','date':'2026-06-01','opinion':'YJ-0601-01','channel':'fax'}",
          "field 'channel': unknown value 'fax' (expected one of hearing, poll, hotline, card, forum, mailbox, weibo, wechat, web_forum, other)" },
        { "{'kind':'opinion','date':'2026-06-01','opinion':'YJ-0601-01'}", "field 'channel': missing" },
        { "{'kind':'opinion','date':'2026-06-01','opinion':'意见一','channel':'poll'}", "field 'opinion': not a valid id (意见一)" },
        { "{'kind':'opinion','date':'2026-06-01','opinion':'YJ-0601-01','channel':'poll','person':'P1'}", "field 'person': unknown key for kind 'opinion'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_opinion_assigned)
{
    t_ev_case_t cases[] = {
        { "{'kind':'opinion_assigned','date':'2026-06-03','opinion':'YJ-0601-01','department':'门诊部','deadline':'2026-06-30'}", "ok" },
        { "{'kind':'opinion_assigned','date':'2026-11-20','opinion':'YJ-1120-01','department':'门诊部','deadline':'2027-01-15'}", "ok" },
        { "{'kind':'opinion_assigned','date':'2026-06-03','opinion':'YJ-0601-01','department':'门诊部','deadline':'2026-06-02'}",
          "field 'deadline': before 'date' (2026-06-02 < 2026-06-03)" },
        { "{'kind':'opinion_assigned','date':'2026-06-03','opinion':'YJ-0601-01','department':'门诊部'}", "field 'deadline': missing" },
        { "{'kind':'opinion_assigned','date':'2026-06-03','opinion':'YJ-0601-01','deadline':'2026-06-30'}", "field 'department': missing" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_opinion_closed)
{
    t_ev_case_t cases[] = {
        { "{'kind':'opinion_closed','date':'2026-06-28','opinion':'YJ-0601-01','adopted':true,'feedback':'2026-07-05'}", "ok" },
        { "{'kind':'opinion_closed','date':'2026-06-28','opinion':'YJ-0601-01','adopted':false}", "ok" },
        { "{'kind':'opinion_closed','date':'2026-06-28','opinion':'YJ-0601-01','adopted':'是'}", "field 'adopted': expected true or false" },
        { "{'kind':'opinion_closed','date':'2026-06-28','opinion':'YJ-0601-01','feedback':'七月五日'}", "field 'feedback': not a date (七月五日)" },
        { "{'kind':'opinion_closed','date':'2026-06-28'}", "field 'opinion': missing" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_mailbox)
{
    t_ev_case_t cases[] = {
        { "{'kind':'mailbox','date':'2026-01-10','channel':'院长信箱'}", "ok" },
        { "{'kind':'mailbox','date':'2026-01-10','channel':''}", "field 'channel': empty" },
        { "{'kind':'mailbox','date':'2026-01-10'}", "field 'channel': missing" },
        { "{'kind':'mailbox','date':'2026-01-10','channel':{'name':'信箱'}}", "field 'channel': expected a string" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_commitment)
{
    t_ev_case_t cases[] = {
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-01','person':'P1','type':'annual',"
          "'deadline':'2026-12-31','published':'院务公开栏','content':'全年开展义诊不少于12次'}", "ok" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','org':'B1','type':'instant','content':'一周内完成门诊标识改造'}", "ok" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','org':'B1','person':'P1','type':'instant','content':'改造标识'}",
          "field 'person': give exactly one of 'person' and 'org'" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','type':'instant','content':'改造标识'}",
          "field 'person': give exactly one of 'person' and 'org'" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','org':'B9','type':'instant','content':'改造标识'}", "field 'org': unknown org 'B9'" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','person':'P9','type':'instant','content':'改造标识'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','person':'P1','type':'monthly','content':'改造标识'}",
          "field 'type': unknown value 'monthly' (expected one of annual, instant)" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','person':'P1','type':'annual'}", "field 'content': missing" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','person':'P1','type':'annual','content':'义诊','deadline':'2025-12-31'}",
          "field 'deadline': before 'date' (2025-12-31 < 2026-01-20)" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_commitment_fulfilled)
{
    t_ev_case_t cases[] = {
        { "{'kind':'commitment_fulfilled','date':'2026-11-20','commitment':'CN-2026-01'}", "ok" },
        { "{'kind':'commitment_fulfilled','date':'2026-11-20'}", "field 'commitment': missing" },
        { "{'kind':'commitment_fulfilled','date':'2026-11-20','commitment':'CN/01'}", "field 'commitment': not a valid id (CN/01)" },
        { "{'kind':'commitment_fulfilled','date':'2026-12-20','commitment':'CN-2026-01'}", "field 'date': after today (2026-12-20 > 2026-11-26)" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_commitment_evaluated)
{
    t_ev_case_t cases[] = {
        { "{'kind':'commitment_evaluated','date':'2026-11-25','commitment':'CN-2026-01','grade':'excellent','method':'masses'}", "ok" },
        { "{'kind':'commitment_evaluated','date':'2026-11-25','commitment':'CN-2026-01','grade':'A','method':'masses'}",
          "field 'grade': unknown value 'A' (expected one of excellent, good, fair, poor)" },
        { "{'kind':'commitment_evaluated','date':'2026-11-25','commitment':'CN-2026-01','grade':'good','method':'vote'}",
          "field 'method': unknown value 'vote' (expected one of self, peer, masses, leader)" },
        { "{'kind':'commitment_evaluated','date':'2026-11-25','commitment':'CN-2026-01','grade':'good'}", "field 'method': missing" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_rep_activity)
{
    t_ev_case_t cases[] = {
        { "{'kind':'rep_activity','date':'2026-03-12','person':'P2','activity':'studio_reception','note':'代表工作室接待群众5人'}", "ok" },
        { "{'kind':'rep_activity','date':'2026-03-12','person':'P2','activity':'party'}",
          "field 'activity': unknown value 'party' (expected one of studio_reception, advice, service, exchange, inspection, committee_meeting, proposal)" },
        { "{'kind':'rep_activity','date':'2026-03-12','person':'P2'}", "field 'activity': missing" },
        { "{'kind':'rep_activity','date':'2026-03-12','person':'P9','activity':'advice'}", "field 'person': unknown person 'P9'" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_correction)
{
    t_ev_case_t cases[] = {
        { "{'kind':'correction','supersedes':'~0123456789abcdef01234567','date':'2026-04-12','event':"
          "{'kind':'research_report','date':'2026-04-10','person':'P1','title':'关于门诊流程优化的调研报告（修订稿）'}}", "ok" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'person','person':'P1','name':'张伟',"
          "'roles':[{'role':'leader','from':'2024-01-01'}]}}", "ok" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-04-31','person':'P1','title':'报告'}}",
          "field 'event.date': not a date (2026-04-31)" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-12-01','person':'P1','title':'报告'}}",
          "field 'event.date': after today (2026-12-01 > 2026-11-26)" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-04-10','person':'P9','title':'报告'}}",
          "field 'event.person': unknown person 'P9'" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-04-10','person':'P1','title':'报告','colour':'red'}}",
          "field 'event.colour': unknown key for kind 'research_report'" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-04-10','person':'P1'}}",
          "field 'event.title': missing" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'date':'2026-04-10','person':'P1'}}", "field 'event.kind': missing" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'memo'}}", "field 'event.kind': unknown kind 'memo'" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2024-02-30'}]}}",
          "field 'event.roles[0].from': not a date (2024-02-30)" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'void','supersedes':'RR-2026-000','reason':'重复'}}",
          "field 'event': cannot correct with a correction or void" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'correction','supersedes':'RR-2026-000',"
          "'event':{'kind':'results_exchange','date':'2026-06-20'}}}", "field 'event': cannot correct with a correction or void" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':'research_report'}", "field 'event': expected an object" },
        { "{'kind':'correction','supersedes':'RR-2026-001'}", "field 'event': missing" },
        { "{'kind':'correction','event':{'kind':'results_exchange','date':'2026-06-20'}}", "field 'supersedes': missing" },
        { "{'kind':'correction','supersedes':'~xyz','event':{'kind':'results_exchange','date':'2026-06-20'}}", "field 'supersedes': not a valid id (~xyz)" },
        { "{'kind':'correction','supersedes':'RR-1','date':'2027-01-05','event':{'kind':'results_exchange','date':'2026-06-20'}}",
          "field 'date': after today (2027-01-05 > 2026-11-26)" },
    };
    T_EV_RUN (cases);
}

Test (event, kind_void)
{
    t_ev_case_t cases[] = {
        { "{'kind':'void','supersedes':'RR-2026-001','reason':'重复录入','date':'2026-04-12'}", "ok" },
        { "{'kind':'void','supersedes':'RR-2026-001'}", "field 'reason': missing" },
        { "{'kind':'void','supersedes':'RR-2026-001','reason':''}", "field 'reason': empty" },
        { "{'kind':'void','reason':'重复录入'}", "field 'supersedes': missing" },
        { "{'kind':'void','supersedes':'RR 1','reason':'重复录入'}", "field 'supersedes': not a valid id (RR 1)" },
        { "{'kind':'void','supersedes':'RR-1','reason':'重复录入','person':'P1'}", "field 'person': unknown key for kind 'void'" },
    };
    T_EV_RUN (cases);
}

Test (event, kinds_of_rules_v2)
{
    t_ev_case_t cases[] = {
        { "{'kind':'exemption','date':'2026-02-01','rule':'4.1c','person':'P1','from':'2026-01-01','to':'2026-12-31','reason':'长期病休','approved_by':'局党委'}", "ok" },
        { "{'kind':'exemption','date':'2026-02-01','rule':'4.1c','from':'2026-01-01','to':'2026-12-31','reason':'病休','approved_by':'局党委'}", "field 'person': give exactly one of 'person' and 'org'" },
        { "{'kind':'exemption','date':'2026-02-01','rule':'4.1c','person':'P1','from':'2026-03-01','to':'2026-01-31','reason':'病休','approved_by':'局党委'}", "field 'to': before 'from' (2026-01-31 < 2026-03-01)" },
        { "{'kind':'appeal','date':'2026-02-01','appeal':'XX-1','channel':'letter','person':'P1','answered':'2026-03-01','about':'P2'}", "ok" },
        { "{'kind':'appeal','date':'2026-02-01','appeal':'XX-1','channel':'card','person':'P1'}", "field 'channel': unknown value 'card' (expected one of letter, mailbox, hotline, weibo, other)" },
        { "{'kind':'appeal','date':'2026-02-01','appeal':'XX-1','channel':'letter','person':'P1','answered':'20260301'}", "field 'answered': not a date (20260301)" },
        { "{'kind':'case_action','date':'2026-02-01','case':'XF-1','person':'P1','action':'handover','note':'移交'}", "ok" },
        { "{'kind':'case_action','date':'2026-02-01','case':'XF-1','person':'P1'}", "field 'action': missing" },
        { "{'kind':'secondment_training','date':'2026-02-01','secondment':'GZ-1','person':'P1'}", "ok" },
        { "{'kind':'secondment_liaison','date':'2026-02-01','secondment':'~0123456789abcdef01234567','person':'P1'}", "ok" },
        { "{'kind':'rep_studio','date':'2026-02-01','studio':'党代表工作室','reception_schedule':'每月第一个星期三','from':'2026-01-01','to':'2026-12-31'}", "ok" },
        { "{'kind':'activity_day','date':'2026-02-01','org':'B1'}", "ok" },
        { "{'kind':'activity_day','date':'2026-02-01','org':'B01'}", "field 'org': unknown org 'B01'" },
        { "{'kind':'activity_day','date':'2026-02-01'}", "field 'org': missing" },
        { "{'kind':'petition_case','date':'2026-02-01','case':'XF-2','person':'P1','high_profile':true}", "ok" },
        { "{'kind':'opinion_assigned','date':'2026-02-01','opinion':'O1','department':'医务科','deadline':'2026-03-01','person':'P1'}", "ok" },
        { "{'kind':'opinion','date':'2026-02-01','opinion':'O1','channel':'hotline','about':'P2'}", "ok" },
        { "{'kind':'mailbox','date':'2026-02-01','channel':'院长信箱','person':'P1'}", "ok" },
        { "{'kind':'secondment_review','date':'2026-02-01','person':'P1','secondment':'GZ-1'}", "ok" },
        { "{'kind':'org','date':'2026-02-01','org':'B09','name':'第九支部','from':'2026-02-01','to':'2026-12-31'}", "ok" },
        { "{'kind':'commitment','date':'2026-02-01','commitment':'C1','person':'P1','type':'annual','published':'2026-02-05','content':'带教'}", "ok" },
        { "{'kind':'report','date':'2026-02-01','year':2025,'report':'rollup','version':1,'document':'{}','chain_head':'0000000000000000000000000000000000000000000000000000000000000000','chain_events':1,'digest':'44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a','tier_version':1}", "ok" },
        { "{'kind':'report','date':'2026-02-01','year':2025,'report':'rollup','version':1,'document':'{}','chain_head':'0000000000000000000000000000000000000000000000000000000000000000','chain_events':1,'digest':'0000000000000000000000000000000000000000000000000000000000000000','tier_version':1}", "field 'digest': the document does not match its digest (its SHA-256 is 44136fa355b3678a..., the event says 0000000000000000...): altered on the way" },
        { "{'kind':'report','date':'2026-02-01','year':2025,'report':'rollup','version':1,'document':'{}','chain_head':'0000000000000000000000000000000000000000000000000000000000000000','chain_events':1,'digest':'44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a','tier_version':2}", "field 'tier_version': this collector speaks tier version 1, not 2: upgrade the lower or the higher tier" },
        { "{'kind':'report','date':'2026-02-01','year':2025,'report':'rollup','version':1,'document':'{}','chain_head':'0000000000000000000000000000000000000000000000000000000000000000','chain_events':1,'digest':'XYZ','tier_version':1}", "field 'digest': not a SHA-256 in hex (64 digits 0-9a-f)" },
    };
    T_EV_RUN (cases);
}

Test (event, every_kind_is_tested)
{
    //  The tests above cover these 34 kinds; a new kind in massline.proto must be added here.
    static const char *const kinds[] = { "person", "org", "research_plan", "research_trip",
        "research_report", "work_item", "results_exchange", "contact_point", "paired_family",
        "contact_visit", "practical_deed", "secondment", "secondment_review", "reception_day",
        "petition_case", "petition_closed", "talk", "opinion", "opinion_assigned", "opinion_closed",
        "mailbox", "commitment", "commitment_fulfilled", "commitment_evaluated", "rep_activity",
        "correction", "void", "exemption", "appeal", "case_action", "secondment_training",
        "secondment_liaison", "rep_studio", "activity_day", "period_close", "year_submission", "report" };
    size_t oneofs = 0;
    for (unsigned i = 0; i < massline__event__descriptor.n_fields; i++)
        oneofs += (massline__event__descriptor.fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
    cr_expect_eq (oneofs, sizeof kinds / sizeof kinds[0]);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        cr_expect (ml_event_kind_known (kinds[i]), "%s", kinds[i]);
    cr_expect_not (ml_event_kind_known ("ref"));
    cr_expect_not (ml_event_kind_known ("memo"));
}
