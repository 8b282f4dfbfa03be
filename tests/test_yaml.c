/* test_yaml: the strict YAML reader: positions, and every refusal. */
#include <string.h>

#include <stdio.h>

#include "helpers.h"
#include "input/yaml_tree.h"

static yt_node* parse(const char* text, diag* d)
{
    diag_init(d, "t.yaml");
    return yt_load_text(text, strlen(text), d);
}

static void expect_error(const char* text, const char* message)
{
    diag d;
    yt_node* root = parse(text, &d);
    ck_assert_ptr_null(root);
    ck_assert_str_eq(strbuf_text(&d.message), message);
    diag_free(&d);
}

START_TEST(builds_tree_with_positions)
{
    diag d;
    yt_node* root = parse("a: 1\nb:\n  c: \"x y\"\n  d: [1, 2]\n", &d);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(root->kind, YT_MAP);
    ck_assert_uint_eq(root->count, 2);
    const yt_node* b = yt_map_get(root, "b");
    ck_assert_int_eq(b->kind, YT_MAP);
    const yt_node* c = yt_map_get(b, "c");
    ck_assert_str_eq(c->text, "x y");
    ck_assert_int_eq(c->quoted, 1);
    ck_assert_int_eq(c->line, 3);
    ck_assert_int_eq(c->col, 6);
    const yt_node* list = yt_map_get(b, "d");
    ck_assert_int_eq(list->kind, YT_SEQ);
    ck_assert_uint_eq(list->count, 2);
    ck_assert_str_eq(list->values[1]->text, "2");
    ck_assert_ptr_null(yt_map_get(root, "zz"));
    yt_free(root);
    diag_free(&d);
}
END_TEST

START_TEST(empty_document_is_null_without_error)
{
    diag d;
    ck_assert_ptr_null(parse("# only a comment\n", &d));
    ck_assert_int_eq(d.failed, 0);
    diag_free(&d);
}
END_TEST

START_TEST(refuses_duplicate_keys)
{
    expect_error("a:\n  b: 1\n  b: 2\n", "t.yaml:3:3: a.b: duplicate key (first given at line 2)");
}
END_TEST

/* A mapping of N keys costs O(N) key comparisons, not N^2 / 2 (issue 20: 40k
 * keys took 7 s): 20,000 keys, then the same with the first repeated at the
 * end, which is found with its line. */
START_TEST(duplicate_check_is_linear_in_keys)
{
    enum { KEYS = 20000 };
    strbuf text = {0};
    strbuf_append(&text, "m:\n");
    for (int i = 0; i < KEYS; i++)
        strbuf_printf(&text, "  key%d: %d\n", i, i);
    diag d;
    unsigned long long before = yt_key_comparisons();
    yt_node* root = parse(strbuf_text(&text), &d);
    unsigned long long made = yt_key_comparisons() - before;
    ck_assert_ptr_nonnull(root);
    ck_assert_uint_eq(yt_map_get(root, "m")->count, KEYS);
    ck_assert_msg(made <= 3 * KEYS, "%llu comparisons for %d keys", made, KEYS);
    yt_free(root);
    diag_free(&d);
    strbuf_append(&text, "  key0: again\n");
    before = yt_key_comparisons();
    expect_error(strbuf_text(&text), "t.yaml:20002:3: m.key0: duplicate key (first given at line 2)");
    ck_assert_uint_le(yt_key_comparisons() - before, 3 * KEYS);
    strbuf_free(&text);
}
END_TEST

START_TEST(refuses_anchors_and_aliases)
{
    expect_error("a: &x 1\nb: *x\n",
                 "t.yaml:1:4: a: anchors and aliases are not supported (found &x); write the value out");
}
END_TEST

START_TEST(refuses_tags_and_second_documents)
{
    expect_error("a: !!str 1\n", "t.yaml:1:4: a: explicit YAML tags are not supported (found tag:yaml.org,2002:str)");
    expect_error("a: 1\n---\nb: 2\n", "t.yaml:2:1: expected one YAML document, found a second one");
}
END_TEST

START_TEST(reports_syntax_errors_with_position)
{
    expect_error("a: [1, 2\nb: 3\n",
                 "t.yaml:2:2: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence");
    expect_error("a: 1\n b: 2\n", "t.yaml:2:3: YAML syntax error: mapping values are not allowed in this context");
}
END_TEST

START_TEST(refuses_non_utf8)
{
    expect_error("a: 1\nb: \xff\xfe\n", "t.yaml:2:4: not valid UTF-8 text: invalid leading UTF-8 octet");
}
END_TEST

/* YAML 1.2 allows a byte order mark; the format is UTF-8 only, so UTF-8's
 * is read past, UTF-16's and UTF-32's are refused by name (tests/bad has
 * whole files of each). */
START_TEST(reads_utf8_only_whatever_the_byte_order_mark)
{
    diag d;
    yt_node* root = parse("\xef\xbb\xbf" "a: 1\n", &d);
    ck_assert_ptr_nonnull(root);
    ck_assert_str_eq(yt_map_get(root, "a")->text, "1");
    yt_free(root);
    diag_free(&d);
    expect_error("\xff\xfe" "a",   /* the mark is enough: the rest would hold NUL bytes */
                 "t.yaml:1:1: the file is UTF-16 (its byte order mark says so): trainsim reads UTF-8 only "
                 "(convert it, e.g. iconv -f UTF-16 -t UTF-8)");
}
END_TEST

START_TEST(refuses_deep_nesting)
{
    strbuf deep = {0};
    for (int i = 0; i < 40; i++)
        strbuf_append(&deep, "[");
    for (int i = 0; i < 40; i++)
        strbuf_append(&deep, "]");
    diag d;
    ck_assert_ptr_null(parse(strbuf_text(&deep), &d));
    ck_assert_str_eq(strbuf_text(&d.message), "t.yaml:1:33: nesting deeper than 32 levels is not supported");
    diag_free(&d);
    strbuf_free(&deep);
}
END_TEST

START_TEST(refuses_complex_keys)
{
    expect_error("? [1, 2]\n: 3\n", "t.yaml:1:3: (document): expected a plain key, found a sequence used as a key");
}
END_TEST

START_TEST(describes_nodes_for_messages)
{
    diag d;
    yt_node* root = parse("a: \"quo\\\"te\"\nb:\nc: {x: 1}\n", &d);
    char buf[96];
    ck_assert_str_eq(yt_describe(yt_map_get(root, "a"), buf, sizeof buf), "\"quo\\\"te\"");
    ck_assert_str_eq(yt_describe(yt_map_get(root, "b"), buf, sizeof buf), "nothing");
    ck_assert_str_eq(yt_describe(yt_map_get(root, "c"), buf, sizeof buf), "a mapping");
    ck_assert_int_eq(yt_is_null(yt_map_get(root, "b")), 1);
    yt_free(root);
    diag_free(&d);
}
END_TEST

Suite* yaml_suite(void)
{
    Suite* s = suite_create("yaml");
    TCase* tc = tcase_create("tree");
    tcase_add_test(tc, builds_tree_with_positions);
    tcase_add_test(tc, empty_document_is_null_without_error);
    tcase_add_test(tc, refuses_duplicate_keys);
    tcase_add_test(tc, duplicate_check_is_linear_in_keys);
    tcase_add_test(tc, refuses_anchors_and_aliases);
    tcase_add_test(tc, refuses_tags_and_second_documents);
    tcase_add_test(tc, reports_syntax_errors_with_position);
    tcase_add_test(tc, refuses_non_utf8);
    tcase_add_test(tc, refuses_deep_nesting);
    tcase_add_test(tc, refuses_complex_keys);
    tcase_add_test(tc, describes_nodes_for_messages);
    tcase_add_test(tc, reads_utf8_only_whatever_the_byte_order_mark);
    suite_add_tcase(s, tc);
    return s;
}
