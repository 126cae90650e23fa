#include "CEditLine.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

EditLine *actq_el_init(const char *program) {
    // libedit reads and writes UTF-8 only when the locale says so.
    setlocale(LC_CTYPE, "");
    return el_init(program, stdin, stdout, stderr);
}

void actq_el_end(EditLine *el) { el_end(el); }

void actq_el_set_clientdata(EditLine *el, void *data) { el_set(el, EL_CLIENTDATA, data); }

void *actq_el_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}

void actq_el_set_prompt(EditLine *el, actq_prompt_function prompt) { el_set(el, EL_PROMPT_ESC, prompt, '\1'); }

void actq_el_set_editor(EditLine *el, const char *editor) { el_set(el, EL_EDITOR, editor); }

void actq_el_add_function(EditLine *el, const char *name, const char *help, actq_editor_function function) {
    el_set(el, EL_ADDFN, name, help, function);
}

void actq_el_bind(EditLine *el, const char *key, const char *command) { el_set(el, EL_BIND, key, command, NULL); }

void actq_el_set_history(EditLine *el, History *h) { el_set(el, EL_HIST, history, h); }

void actq_el_disable_isig(EditLine *el) { el_set(el, EL_SETTY, "-d", "-isig", NULL); }

const char *actq_el_gets(EditLine *el, int *count) { return el_gets(el, count); }

History *actq_history_init(void) { return history_init(); }

void actq_history_end(History *h) { history_end(h); }

void actq_history_set_size(History *h, int size) {
    HistEvent event;
    history(h, &event, H_SETSIZE, size);
}

void actq_history_set_unique(History *h, int unique) {
    HistEvent event;
    history(h, &event, H_SETUNIQUE, unique);
}

int actq_history_enter(History *h, const char *line) {
    HistEvent event;
    return history(h, &event, H_ENTER, line);
}

int actq_history_load(History *h, const char *path) {
    HistEvent event;
    return history(h, &event, H_LOAD, path);
}

int actq_history_save(History *h, const char *path) {
    HistEvent event;
    return history(h, &event, H_SAVE, path);
}

void actq_history_each(History *h, void (*visit)(const char *line, void *context), void *context) {
    HistEvent event;
    if (history(h, &event, H_LAST) != 0) return;
    do {
        visit(event.str, context);
    } while (history(h, &event, H_PREV) == 0);
}
