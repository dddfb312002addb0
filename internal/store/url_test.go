package store_test

import (
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/store"
)

func TestParseURL(t *testing.T) {
	o, err := store.ParseURL("redis://:pw@10.0.0.5:6380/3")
	if err != nil || o.Addrs[0] != "10.0.0.5:6380" || o.DB != 3 || o.Password != "pw" || o.IsClusterMode || o.MasterName != "" {
		t.Fatalf("single: %+v %v", o, err)
	}
	o, err = store.ParseURL("redis+sentinel://:pw@s1:26379,s2:26379/mymaster/2")
	if err != nil || len(o.Addrs) != 2 || o.MasterName != "mymaster" || o.DB != 2 || o.SentinelPassword != "pw" {
		t.Fatalf("sentinel: %+v %v", o, err)
	}
	o, err = store.ParseURL("redis+cluster://c1:6379,c2:6379,c3:6379")
	if err != nil || len(o.Addrs) != 3 || !o.IsClusterMode {
		t.Fatalf("cluster: %+v %v", o, err)
	}
	for _, bad := range []string{"localhost:6379", "redis+sentinel://s1:26379", "redis+cluster://c1:6379/1", "http://x"} {
		if _, err := store.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}

func TestParseURLKeepsPasswordsOut(t *testing.T) {
	for _, raw := range []string{"redis://:s3cretpw@host:badport/0", "redis+sentinel://:s3cretpw@s1:26379%zz/m/0", "redis://user:s3cretpw@host:6379/notadb"} {
		_, err := store.ParseURL(raw)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("error for %q shows the password: %v", raw, err)
		}
	}
}
