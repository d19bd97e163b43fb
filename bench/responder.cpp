// The ceiling of the design (issue 14): a libfcgi responder that does nothing but
// write a canned answer from memory, with the service's accept loop (one
// FCGX_Accept_r / FCGX_Finish_r loop per thread). Built by bench/run.sh only.
//   bench-responder THREADS AUTOCONFIG AUTODISCOVER MOBILECONFIG
// Each file holds a whole CGI answer (Status, headers, blank line, body); the answer
// is picked by the request path, the request body is read and dropped. The listening
// socket is fd 0 (spawn-fcgi).
#include <fcgiapp.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string answers[3];

const std::string& pick(const char* uri) {
    if (uri != nullptr && std::strncmp(uri, "/autodiscover/", 14) == 0)
        return answers[1];
    if (uri != nullptr && std::strncmp(uri, "/mobileconfig/", 14) == 0)
        return answers[2];
    return answers[0];
}

void serve() {
    FCGX_Request request;
    FCGX_InitRequest(&request, 0, 0);
    char buffer[16384];
    while (FCGX_Accept_r(&request) >= 0) {
        while (FCGX_GetStr(buffer, sizeof buffer, request.in) > 0) {
        }
        const std::string& answer = pick(FCGX_GetParam("REQUEST_URI", request.envp));
        FCGX_PutStr(answer.data(), static_cast<int>(answer.size()), request.out);
        FCGX_Finish_r(&request);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5)
        return 2;
    for (int i = 0; i < 3; ++i) {
        std::ifstream in(argv[2 + i], std::ios::binary);
        answers[i].assign(std::istreambuf_iterator<char>(in), {});
        if (answers[i].empty())
            return 2;
    }
    // libfcgi's own SIGTERM handler only sets a flag (its threads stay in accept()):
    // installed first, this one ends the process at once.
    std::signal(SIGTERM, [](int) { _exit(0); });
    FCGX_Init();
    std::vector<std::thread> threads;
    for (int i = std::atoi(argv[1]); i > 0; --i)
        threads.emplace_back(serve);
    for (auto& t : threads)
        t.join();
}
