// Command fakezalo is a stand-in for the Zalo OA API and the Zalo Bot
// Platform in CI: it accepts every request with a success reply and appends
// "PATH BODY" of each to the file named by its only argument. It prints its
// base URL on the first line of its output.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: fakezalo LOGFILE")
	}
	out, err := os.OpenFile(os.Args[1], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	var mu sync.Mutex
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		fmt.Fprintf(out, "%s %s\n", r.URL.Path, strings.ReplaceAll(string(body), "\n", " "))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v4/oa/access_token" { // OAuth: every refresh works
			io.WriteString(w, `{"access_token":"ci-access","refresh_token":"ci-refresh","expires_in":"90000"}`)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/bot") { // the Zalo Bot Platform
			io.WriteString(w, `{"ok":true,"result":{"message_id":"fake","date":0}}`)
			return
		}
		io.WriteString(w, `{"error":0,"message":"Success","data":{"message_id":"fake","user_id":"fake"}}`)
	})))
}
