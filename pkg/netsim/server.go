// The server side: services registered the way net/rpc registers them, the
// lookup of "Service.Method", and the reflective call of the method.

package netsim

import (
	"errors"
	"fmt"
	"go/token"
	"net/rpc"
	"reflect"
	"strings"
	"sync"
)

// Server holds the services of one simulated node. Like *rpc.Server it serves
// every exported method of the form
//
//	func (t T) MethodName(args ArgsType, reply *ReplyType) error
//
// where ArgsType is a pointer or a value type. A Server is safe for concurrent
// use: services may be registered while calls are being served.
//
// A restarted node gets a fresh Server (see [Network.Restart]), just as a
// restarted process builds a new *rpc.Server.
type Server struct {
	mu       sync.Mutex
	services map[string]*service // by service name; guarded by mu
}

// service is one registered receiver and its methods. It never changes after
// registration, so it is read without the lock.
type service struct {
	rcvr    reflect.Value
	methods map[string]*method
}

// method is one callable method and the types gob fills in.
type method struct {
	fn        reflect.Value // the method bound to its receiver
	argType   reflect.Type  // pointer or value, as declared
	replyType reflect.Type  // always a pointer
}

var errorType = reflect.TypeFor[error]()

// NewServer returns a Server with no services.
func NewServer() *Server {
	return &Server{services: make(map[string]*service)}
}

// Register publishes the methods of rcvr under the name of its concrete type
// (for a *raft.Node that is "Node"), as rpc.Register does. It returns an error
// if the type is unexported, has no suitable methods, or the name is taken.
func (s *Server) Register(rcvr any) error {
	if rcvr == nil {
		return errors.New("netsim: Register: receiver is nil")
	}
	t := reflect.TypeOf(rcvr)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	if !token.IsExported(name) {
		return fmt.Errorf("netsim: Register: type %T is not exported; use RegisterName", rcvr)
	}
	return s.RegisterName(name, rcvr)
}

// RegisterName is like [Server.Register] but uses name as the service name, so
// that calls look like "name.Method".
func (s *Server) RegisterName(name string, rcvr any) error {
	if rcvr == nil {
		return fmt.Errorf("netsim: RegisterName %q: receiver is nil", name)
	}
	if name == "" || strings.Contains(name, ".") {
		return fmt.Errorf("netsim: RegisterName: invalid service name %q", name)
	}
	svc := &service{rcvr: reflect.ValueOf(rcvr), methods: make(map[string]*method)}
	t := svc.rcvr.Type()
	for i := range t.NumMethod() {
		m := t.Method(i)
		if mt, ok := rpcMethod(m); ok {
			svc.methods[m.Name] = &method{fn: svc.rcvr.Method(i), argType: mt.In(1), replyType: mt.In(2)}
		}
	}
	if len(svc.methods) == 0 {
		return fmt.Errorf("netsim: RegisterName %q: type %T has no exported methods of the form func(args T1, reply *T2) error", name, rcvr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.services[name]; dup {
		return fmt.Errorf("netsim: RegisterName: service %q already defined", name)
	}
	s.services[name] = svc
	return nil
}

// rpcMethod reports whether m has net/rpc's shape: exported, two arguments
// of exported (or builtin) types, the second a pointer, and one error result.
// Methods of any other shape are skipped, as net/rpc skips them.
func rpcMethod(m reflect.Method) (reflect.Type, bool) {
	mt := m.Type // includes the receiver as In(0)
	if !m.IsExported() || mt.NumIn() != 3 || mt.NumOut() != 1 || mt.Out(0) != errorType {
		return nil, false
	}
	arg, reply := mt.In(1), mt.In(2)
	if reply.Kind() != reflect.Pointer || !exportedOrBuiltin(arg) || !exportedOrBuiltin(reply) {
		return nil, false
	}
	return mt, true
}

func exportedOrBuiltin(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return token.IsExported(t.Name()) || t.PkgPath() == ""
}

// lookup finds "Service.Method" and checks that gob can carry its argument
// and reply types in full.
func (s *Server) lookup(serviceMethod string) (*method, error) {
	dot := strings.LastIndex(serviceMethod, ".")
	if dot < 0 {
		return nil, fmt.Errorf("netsim: service/method %q is ill-formed: %w", serviceMethod, ErrNoMethod)
	}
	s.mu.Lock()
	svc := s.services[serviceMethod[:dot]]
	s.mu.Unlock()
	if svc == nil {
		return nil, fmt.Errorf("netsim: can't find service %q: %w", serviceMethod[:dot], ErrNoMethod)
	}
	m := svc.methods[serviceMethod[dot+1:]]
	if m == nil {
		return nil, fmt.Errorf("netsim: can't find method %q: %w", serviceMethod, ErrNoMethod)
	}
	for _, t := range []reflect.Type{m.argType, m.replyType} {
		if err := checkType(t); err != nil {
			return nil, fmt.Errorf("netsim: method %s: %w", serviceMethod, err)
		}
	}
	return m, nil
}

// argTarget is the type a request's arguments are decoded into: the
// argument type itself, or what it points to.
func (m *method) argTarget() reflect.Type {
	if m.argType.Kind() == reflect.Pointer {
		return m.argType.Elem()
	}
	return m.argType
}

// call runs the method. arg points to a fresh copy of the caller's arguments,
// made by the wire, so nothing the method does to them reaches the caller. It
// returns a pointer to the reply, or the method's error as an rpc.ServerError,
// which keeps only the message because that is all net/rpc can carry across a
// real connection.
//
// A panic in the method is not recovered: net/rpc would crash the server
// process too, and in a test a loud crash beats a bug disguised as a lost RPC.
func (m *method) call(arg reflect.Value) (reflect.Value, error) {
	if m.argType.Kind() != reflect.Pointer {
		arg = arg.Elem()
	}
	reply := reflect.New(m.replyType.Elem())
	out := m.fn.Call([]reflect.Value{arg, reply})
	if err, _ := out[0].Interface().(error); err != nil {
		return reflect.Value{}, rpc.ServerError(err.Error())
	}
	return reply, nil
}
