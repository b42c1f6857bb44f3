// Package server is a chunker fixture.
package server

import (
	"fmt"
	"net/http"
)

const defaultPort = 8080

var routes = map[string]string{
	"/": "index",
}

// Handler handles requests.
type Handler interface {
	Handle(w http.ResponseWriter, r *http.Request)
}

// Server serves HTTP.
type Server struct {
	Port   int
	router map[string]Handler
}

type (
	// Middleware wraps a handler.
	Middleware func(Handler) Handler
	Options    struct{ Verbose bool }
)

// New creates a server.
func New(port int) *Server {
	return &Server{Port: port, router: map[string]Handler{}}
}

// Handle routes one request.
func (s *Server) Handle(w http.ResponseWriter, r *http.Request) {
	h, ok := s.router[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h.Handle(w, r)
}

func (s Server) String() string {
	return fmt.Sprintf("server on %d", s.Port)
}

type Stack[T any] struct{ items []T }

func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }

func main() {
	fmt.Println(New(defaultPort))
}
