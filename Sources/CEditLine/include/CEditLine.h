#ifndef ACTQ_CEDITLINE_H
#define ACTQ_CEDITLINE_H

// Non-variadic wrappers over libedit: Swift cannot call el_set() or history(), which are variadic.
#include <histedit.h>

typedef char *(*actq_prompt_function)(EditLine *);
typedef unsigned char (*actq_editor_function)(EditLine *, int);

EditLine *actq_el_init(const char *program);
void actq_el_end(EditLine *el);

void actq_el_set_clientdata(EditLine *el, void *data);
void *actq_el_clientdata(EditLine *el);
/// The prompt, with non-printing sequences (colours) between \1 characters.
void actq_el_set_prompt(EditLine *el, actq_prompt_function prompt);
void actq_el_set_editor(EditLine *el, const char *editor);
void actq_el_add_function(EditLine *el, const char *name, const char *help, actq_editor_function function);
void actq_el_bind(EditLine *el, const char *key, const char *command);
void actq_el_set_history(EditLine *el, History *h);
/// Ctrl-C reaches the editor as a key instead of a signal while a line is edited.
void actq_el_disable_isig(EditLine *el);
const char *actq_el_gets(EditLine *el, int *count);

History *actq_history_init(void);
void actq_history_end(History *h);
void actq_history_set_size(History *h, int size);
void actq_history_set_unique(History *h, int unique);
int actq_history_enter(History *h, const char *line);
int actq_history_load(History *h, const char *path);
int actq_history_save(History *h, const char *path);
/// Calls `visit` with each entry, oldest first.
void actq_history_each(History *h, void (*visit)(const char *line, void *context), void *context);

#endif
