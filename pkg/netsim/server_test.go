package netsim

import (
	"strings"
	"testing"
)

type unexportedService struct{}

func (unexportedService) Get(args *GetArgs, reply *GetReply) error { return nil }

// NoMethods has methods, none of net/rpc's shape.
type NoMethods struct{}

func (NoMethods) Two(a, b int) int                           { return a + b }
func (NoMethods) NoError(args *GetArgs, reply *GetReply)     {}
func (NoMethods) ValueReply(args *GetArgs, r GetReply) error { return nil }

func TestServer_Register(t *testing.T) {
	tests := []struct {
		name    string
		reg     func(s *Server) error
		wantErr string // substring; "" for success
	}{
		{"pointer receiver", func(s *Server) error { return s.Register(newKV()) }, ""},
		{"value receiver", func(s *Server) error { return s.Register(Sloppy{}) }, ""},
		{"nil", func(s *Server) error { return s.Register(nil) }, "nil"},
		{"nil pointer", func(s *Server) error { return s.Register((*KV)(nil)) }, ""},
		{"unexported type", func(s *Server) error { return s.Register(unexportedService{}) }, "not exported"},
		{"unexported type by name", func(s *Server) error { return s.RegisterName("Svc", unexportedService{}) }, ""},
		{"no suitable methods", func(s *Server) error { return s.Register(NoMethods{}) }, "no exported methods"},
		{"empty name", func(s *Server) error { return s.RegisterName("", newKV()) }, "invalid service name"},
		{"dotted name", func(s *Server) error { return s.RegisterName("a.b", newKV()) }, "invalid service name"},
		{"duplicate", func(s *Server) error { s.Register(newKV()); return s.Register(newKV()) }, "already defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.reg(NewServer())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got error %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
