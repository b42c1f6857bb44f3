#include <map>
#include <string>

namespace http {

using Headers = std::map<std::string, std::string>;

/// A request handler.
class Handler {
public:
    virtual ~Handler() = default;
    virtual std::string handle(const std::string& body) = 0;
};

class Server : public Handler {
public:
    explicit Server(int port) : port_(port) {}

    std::string handle(const std::string& body) override;

    int port() const {
        return port_;
    }

private:
    int port_;
    Headers headers_;
};

// Out-of-class definition.
std::string Server::handle(const std::string& body) {
    headers_["x-len"] = std::to_string(body.size());
    return body;
}

template <typename T>
T clamp(T v, T lo, T hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

struct Point {
    int x, y;
    int sum() const { return x + y; }
};

}  // namespace http

int main() {
    http::Server s(80);
    return s.port() == 80 ? 0 : 1;
}
