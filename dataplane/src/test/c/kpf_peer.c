// Test traffic peer for kpf's kernel tests: servers that answer with their own address, and clients that report
// where each connection or datagram went, what getpeername() says and who answered. Every loop is bounded.
//   kpf_peer serve tcp|udp SECONDS ADDR PORT [ADDR PORT ...]   serve until SECONDS pass (prints "ready")
//   kpf_peer hold udp ADDR PORT                                one connected UDP socket, a datagram per input line
//   kpf_peer connect tcp|udp COUNT ADDR PORT                  COUNT attempts, one line each:
//        ok <server> from=<client as the server saw it> peer=<getpeername or recvfrom source>  |  err <errno name>
//   kpf_peer bulk-serve PORT BYTES SECONDS                      TCP on both families: BYTES to every client, then close
//   kpf_peer datagram ADDR PORT BYTES                           one UDP datagram of BYTES (fragmented when larger than the MTU)
//   kpf_peer bulk ADDR PORT SECONDS                             read until the server closes or SECONDS pass: "read N"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 64

static int parse(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1 ? AF_INET6 : -1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	*len = sizeof(*s4);
	return inet_pton(AF_INET, addr, &s4->sin_addr) == 1 ? AF_INET : -1;
}

static void format(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, n, "[%s]:%d", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, n, "%s:%d", ip, ntohs(s4->sin_port));
	}
}

static const char *errname(int e)
{
	switch (e) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case EPERM: return "EPERM";
	case ENETUNREACH: return "ENETUNREACH";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EAGAIN: return "EAGAIN";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EINPROGRESS: return "EINPROGRESS";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case ECONNABORTED: return "ECONNABORTED";
	default: return "EOTHER";
	}
}

static void timeouts(int fd)
{
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int serve(int udp, int seconds, int argc, char **argv)
{
	struct pollfd fds[MAX_FDS];
	char names[MAX_FDS][64];
	int n = 0;
	for (int i = 0; i + 1 < argc && n < MAX_FDS; i += 2, n++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int family = parse(argv[i], atoi(argv[i + 1]), &ss, &len);
		if (family < 0) { fprintf(stderr, "bad address %s\n", argv[i]); return 2; }
		int fd = socket(family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, len) < 0) { perror("bind"); return 2; }
		if (!udp && listen(fd, 512) < 0) { perror("listen"); return 2; }
		fds[n].fd = fd;
		fds[n].events = POLLIN;
		format(&ss, names[n], sizeof(names[n]));
	}
	printf("ready\n");
	fflush(stdout);
	time_t end = time(NULL) + seconds;
	while (time(NULL) < end) {
		if (poll(fds, n, 200) <= 0) continue;
		for (int i = 0; i < n; i++) {
			if (!(fds[i].revents & POLLIN)) continue;
			/* the answer names the server and the client address it saw: "ADDR:PORT from=CLIENT:PORT" */
			char reply[200], client[80];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			if (udp) {
				char buf[512];
				if (recvfrom(fds[i].fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) >= 0) {
					format(&from, client, sizeof(client));
					int rl = snprintf(reply, sizeof(reply), "%s from=%s\n", names[i], client);
					sendto(fds[i].fd, reply, rl, 0, (struct sockaddr *)&from, fl);
				}
			} else {
				int c = accept(fds[i].fd, (struct sockaddr *)&from, &fl);
				if (c >= 0) {
					format(&from, client, sizeof(client));
					int rl = snprintf(reply, sizeof(reply), "%s from=%s\n", names[i], client);
					if (write(c, reply, rl) < 0) { /* client gone */ }
					close(c);
				}
			}
		}
	}
	return 0;
}

/* udp: 0 TCP, 1 unconnected UDP (sendto/recvfrom), 2 connected UDP (ICMP errors such as port unreachable show as errors) */
static int client(int udp, int count, const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = parse(addr, port, &ss, &len);
	if (family < 0) { fprintf(stderr, "bad address %s\n", addr); return 2; }
	for (int i = 0; i < count; i++) {
		int fd = socket(family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
		timeouts(fd);
		char answer[128] = "", peer[80] = "";
		struct sockaddr_storage other;
		socklen_t ol = sizeof(other);
		if (udp == 2) {
			if (connect(fd, (struct sockaddr *)&ss, len) < 0 || send(fd, "hi", 2, 0) < 0) { printf("err %s\n", errname(errno)); close(fd); continue; }
			ssize_t r = recv(fd, answer, sizeof(answer) - 1, 0);
			if (r < 0) { printf("err %s\n", errname(errno)); close(fd); continue; }
			answer[r] = 0;
			getpeername(fd, (struct sockaddr *)&other, &ol);
		} else if (udp) {
			if (sendto(fd, "hi", 2, 0, (struct sockaddr *)&ss, len) < 0) { printf("err %s\n", errname(errno)); close(fd); continue; }
			ssize_t r = recvfrom(fd, answer, sizeof(answer) - 1, 0, (struct sockaddr *)&other, &ol);
			if (r < 0) { printf("err %s\n", errname(errno)); close(fd); continue; }
			answer[r] = 0;
		} else {
			if (connect(fd, (struct sockaddr *)&ss, len) < 0) { printf("err %s\n", errname(errno)); close(fd); continue; }
			getpeername(fd, (struct sockaddr *)&other, &ol);
			ssize_t r = read(fd, answer, sizeof(answer) - 1);
			if (r < 0) { printf("err %s\n", errname(errno)); close(fd); continue; }
			answer[r] = 0;
		}
		format(&other, peer, sizeof(peer));
		char *nl = strchr(answer, '\n');
		if (nl) *nl = 0;
		printf("ok %s peer=%s\n", answer, peer);
		close(fd);
	}
	return 0;
}

/*
 * hold: one connected UDP socket of the address's own family (AF_INET for IPv4) kept across changes: one datagram at
 * start and one more for every line of standard input, each printed as "ok ANSWER" or "err ERRNO". Ends with its input.
 */
static int hold(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = parse(addr, port, &ss, &len);
	if (family < 0) { fprintf(stderr, "bad address %s\n", addr); return 2; }
	int fd = socket(family, SOCK_DGRAM, 0);
	timeouts(fd);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) { printf("err %s\n", errname(errno)); return 1; }
	char line[64];
	for (int round = 0; round < 1000; round++) {
		if (round > 0 && !fgets(line, sizeof(line), stdin)) break;
		char answer[128] = "";
		ssize_t r = send(fd, "hi", 2, 0) < 0 ? -1 : recv(fd, answer, sizeof(answer) - 1, 0);
		if (r < 0) printf("err %s\n", errname(errno));
		else {
			answer[r] = 0;
			char *sp = strchr(answer, ' ');
			if (sp) *sp = 0;
			printf("ok %s\n", answer);
		}
		fflush(stdout);
	}
	close(fd);
	return 0;
}

/* bulk-serve: a TCP listener on :: (both families) that sends BYTES to every connection and closes it, until SECONDS pass */
static int bulk_serve(int port, long bytes, int seconds)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0), off = 0, on = 1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT};
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) { perror("bulk-serve"); return 1; }
	printf("ready\n");
	fflush(stdout);
	static char chunk[65536];
	memset(chunk, 'x', sizeof(chunk));
	time_t end = time(NULL) + seconds;
	while (time(NULL) < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 1000) <= 0) continue;
		int c = accept(fd, NULL, NULL);
		if (c < 0) continue;
		struct timeval tv = {.tv_sec = 10};
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		for (long left = bytes; left > 0;) {
			ssize_t w = send(c, chunk, left < (long)sizeof(chunk) ? left : (long)sizeof(chunk), MSG_NOSIGNAL);
			if (w <= 0) break;
			left -= w;
		}
		close(c);
	}
	return 0;
}

/* bulk: connects, reads until the server closes or SECONDS pass, prints "read N" (and the error, if one ended it) */
static int bulk(const char *addr, int port, int seconds)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = parse(addr, port, &ss, &len);
	if (family < 0) { fprintf(stderr, "bad address %s\n", addr); return 2; }
	int fd = socket(family, SOCK_STREAM, 0);
	timeouts(fd);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) { printf("read 0 %s\n", errname(errno)); return 0; }
	static char buf[65536];
	long total = 0;
	time_t end = time(NULL) + seconds;
	while (time(NULL) < end) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0) break;
		if (r < 0) {
			if (errno == EAGAIN) continue; /* the 2 s receive timeout: go on until SECONDS */
			printf("read %ld %s\n", total, errname(errno));
			return 0;
		}
		total += r;
	}
	printf("read %ld\n", total);
	close(fd);
	return 0;
}

/* datagram: one connected UDP socket sends one datagram of BYTES and prints "ok ANSWER" or "err ERRNO" */
static int datagram(const char *addr, int port, int bytes)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = parse(addr, port, &ss, &len);
	if (family < 0 || bytes < 1 || bytes > 65000) { fprintf(stderr, "bad address %s or size\n", addr); return 2; }
	int fd = socket(family, SOCK_DGRAM, 0);
	timeouts(fd);
	static char buf[65536];
	memset(buf, 'x', bytes);
	char answer[128] = "";
	ssize_t r = connect(fd, (struct sockaddr *)&ss, len) < 0 || send(fd, buf, bytes, 0) < 0 ? -1 : recv(fd, answer, sizeof(answer) - 1, 0);
	if (r < 0) printf("err %s\n", errname(errno));
	else {
		answer[r] = 0;
		char *sp = strchr(answer, ' ');
		if (sp) *sp = 0;
		printf("ok %s\n", answer);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "datagram"))
		return datagram(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "bulk-serve"))
		return bulk_serve(atoi(argv[2]), atol(argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "bulk"))
		return bulk(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "hold") && !strcmp(argv[2], "udp"))
		return hold(argv[3], atoi(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "serve"))
		return serve(!strcmp(argv[2], "udp"), atoi(argv[3]), argc - 4, argv + 4);
	if (argc == 6 && !strcmp(argv[1], "connect")) {
		int count = atoi(argv[3]);
		if (count < 1 || count > 100000) return 2;
		return client(!strcmp(argv[2], "udpc") ? 2 : !strcmp(argv[2], "udp"), count, argv[4], atoi(argv[5]));
	}
	fprintf(stderr, "usage: kpf_peer serve tcp|udp SECONDS ADDR PORT... | kpf_peer connect tcp|udp|udpc COUNT ADDR PORT | kpf_peer bulk-serve PORT BYTES SECONDS | kpf_peer bulk ADDR PORT SECONDS\n");
	return 2;
}
