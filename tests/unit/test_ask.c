/* test_ask.c -- ml_ask against a real CURVE ROUTER in a thread that answers "busy" a given number
   of times before a reply: a busy collector is asked again a few times, then "busy" is the answer. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "ml_ask.h"
#include "ml_wire.h"

typedef struct {
    void *ctx, *sock;
    char endpoint[128], server_pub[41], client_pub[41], client_sec[41];
    int busy;                           //  how many requests get "busy" before a reply
    int seen;                           //  requests received
    char command[64];                   //  the last request's command
} s_server_t;

static void *
s_serve (void *arg)
{
    s_server_t *s = arg;
    for (;;) {
        zmq_pollitem_t item = { s->sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 30000) <= 0)
            break;                      //  the client gave up
        zmq_msg_t id, body;
        zmq_msg_init (&id);
        zmq_msg_init (&body);
        if (zmq_msg_recv (&id, s->sock, 0) < 0 || zmq_msg_recv (&body, s->sock, 0) < 0)
            break;
        int code;
        char err[256];
        Massline__Frame *in = ml_wire_unpack (zmq_msg_data (&body), zmq_msg_size (&body), &code, err, sizeof err);
        if (in && in->msg_case == MASSLINE__FRAME__MSG_QUERY_REQUEST)
            snprintf (s->command, sizeof s->command, "%s", in->query_request->command);
        ml_wire_free (&in);
        Massline__Frame out = MASSLINE__FRAME__INIT;
        Massline__Error error = MASSLINE__ERROR__INIT;
        Massline__QueryReply reply = MASSLINE__QUERY_REPLY__INIT;
        if (s->seen++ < s->busy) {
            error.code = "busy";
            error.message = "the query queue is full";
            out.msg_case = MASSLINE__FRAME__MSG_ERROR;
            out.error = &error;
        }
        else {
            reply.json = "{\"answer\": 42}";
            out.msg_case = MASSLINE__FRAME__MSG_QUERY_REPLY;
            out.query_reply = &reply;
        }
        size_t len;
        uint8_t *buf = ml_wire_pack (&out, &len);
        zmq_msg_send (&id, s->sock, ZMQ_SNDMORE);
        zmq_send (s->sock, buf, len, 0);
        free (buf);
        zmq_msg_close (&id);
        zmq_msg_close (&body);
        //  done: answered, or busy as often as the client may ask (one more would go unanswered)
        if (out.msg_case == MASSLINE__FRAME__MSG_QUERY_REPLY || s->seen == 1 + ML_ASK_BUSY_RETRIES)
            break;
    }
    return NULL;
}

//  Starts the server answering BUSY times "busy"; asks once; returns the answer (NULL: CODE says).
static json_t *
s_ask (s_server_t *s, int busy, char *code, size_t codelen)
{
    memset (s, 0, sizeof *s);
    s->busy = busy;
    char server_sec[41];
    cr_assert_eq (zmq_curve_keypair (s->server_pub, server_sec), 0);
    cr_assert_eq (zmq_curve_keypair (s->client_pub, s->client_sec), 0);
    s->ctx = zmq_ctx_new ();
    s->sock = zmq_socket (s->ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    zmq_setsockopt (s->sock, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt (s->sock, ZMQ_CURVE_SECRETKEY, server_sec, 41);
    zmq_setsockopt (s->sock, ZMQ_LINGER, &zero, sizeof zero);
    cr_assert_eq (zmq_bind (s->sock, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof s->endpoint;
    zmq_getsockopt (s->sock, ZMQ_LAST_ENDPOINT, s->endpoint, &len);
    pthread_t thread;
    cr_assert_eq (pthread_create (&thread, NULL, s_serve, s), 0);
    ml_ask_peer_t peer = { s->endpoint, s->server_pub, s->client_pub, s->client_sec, 10000,
                           NULL, NULL, NULL, NULL };
    char msg[1024];
    json_t *json = ml_ask_call (&peer, "report unit-annual", 0, NULL, code, codelen, msg, sizeof msg);
    pthread_join (thread, NULL);
    zmq_close (s->sock);
    zmq_ctx_term (s->ctx);
    return json;
}

Test (ask, busy_is_asked_again)
{
    s_server_t s;
    char code[64] = "";
    json_t *json = s_ask (&s, 2, code, sizeof code);
    cr_assert (json, "no answer: %s", code);
    cr_expect_eq (json_integer_value (json_object_get (json, "answer")), 42);
    cr_expect_eq (s.seen, 3, "two busy answers, then the reply: %d requests", s.seen);
    cr_expect_str_eq (s.command, "report unit-annual");
    json_decref (json);
}

Test (ask, busy_for_good_is_the_answer)
{
    s_server_t s;
    char code[64] = "";
    json_t *json = s_ask (&s, 1000, code, sizeof code);
    cr_expect_null (json);
    cr_expect_str_eq (code, "busy");
    cr_expect_eq (s.seen, 1 + ML_ASK_BUSY_RETRIES, "asked %d times", s.seen);
}

Test (ask, no_busy_no_retry)
{
    s_server_t s;
    char code[64] = "";
    json_t *json = s_ask (&s, 0, code, sizeof code);
    cr_assert (json);
    cr_expect_eq (s.seen, 1);
    json_decref (json);
}
