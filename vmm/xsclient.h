/*
 * `fastabi xenstore-ls|read|write|rm` (xsclient.c): the client of a running
 * VMM's control socket (ctlsock.h).
 */
#ifndef VMM_XSCLIENT_H
#define VMM_XSCLIENT_H

/* argv[0] is the command ("xenstore-read"); the exit status. */
int xsclient__main(int argc, char **argv);

#endif
