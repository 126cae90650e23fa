#include "actq_build_info.h"

#ifndef ACTQ_GIT_COMMIT
#define ACTQ_GIT_COMMIT "unknown"
#endif

const char *actq_build_commit(void) { return ACTQ_GIT_COMMIT; }
