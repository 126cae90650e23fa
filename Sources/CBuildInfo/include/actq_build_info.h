#ifndef ACTQ_BUILD_INFO_H
#define ACTQ_BUILD_INFO_H

/// The git commit actq was built from ("unknown" outside a git checkout), with "+changes" when
/// the working tree had uncommitted changes. Set by Package.swift at build time.
const char *actq_build_commit(void);

#endif
