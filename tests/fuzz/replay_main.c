/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs the fuzz target over corpus files without libFuzzer (any compiler). */

#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static unsigned passed, failed;

static void
run_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *buf;
  long n;

  if (!f || fseek (f, 0, SEEK_END) != 0 || (n = ftell (f)) < 0) {
    fprintf (stderr, "cannot read %s\n", path);
    failed++;
    if (f)
      fclose (f);
    return;
  }
  rewind (f);
  buf = malloc ((size_t) n + 1);
  if (!buf || fread (buf, 1, (size_t) n, f) != (size_t) n) {
    fprintf (stderr, "cannot read %s\n", path);
    failed++;
  } else {
    /* An invariant failure aborts the whole run, as in libFuzzer. */
    LLVMFuzzerTestOneInput (buf, (size_t) n);
    passed++;
  }
  free (buf);
  fclose (f);
}

static void
run_path (const char *path)
{
  struct stat st;
  struct dirent *e;
  DIR *d;
  char sub[4096];

  if (stat (path, &st) != 0) {
    fprintf (stderr, "cannot stat %s\n", path);
    failed++;
    return;
  }
  if (!S_ISDIR (st.st_mode)) {
    run_file (path);
    return;
  }
  d = opendir (path);
  if (!d) {
    failed++;
    return;
  }
  while ((e = readdir (d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    snprintf (sub, sizeof (sub), "%s/%s", path, e->d_name);
    run_path (sub);
  }
  closedir (d);
}

int
main (int argc, char **argv)
{
  int i;

  for (i = 1; i < argc; i++)
    run_path (argv[i]);
  if (passed == 0)
    failed++;
  printf ("%u passed, %u failed\n", passed, failed);
  return failed ? 1 : 0;
}
