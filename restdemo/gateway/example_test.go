package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"
)

// A gateway over two httptest backends: the optional one is down, so the
// page is partial.
func ExampleGateway() {
	catalog := httptest.NewServer(backendMux("products", newCatalog()))
	defer catalog.Close()
	reviews := httptest.NewServer(http.NotFoundHandler())
	reviews.Close() // down before the first request

	gw := NewGateway([]Part{
		{Name: "catalog", URL: catalog.URL, Path: "products", Timeout: time.Second, Required: true},
		{Name: "reviews", URL: reviews.URL, Path: "reviews", Timeout: time.Second},
	}, http.DefaultClient, slog.New(slog.DiscardHandler))
	front := httptest.NewServer(gw.Handler())
	defer front.Close()

	resp, err := http.Get(front.URL + "/products/7")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.Status, "\n", string(body))
	// Output:
	// 200 OK
	// {"catalog":{"name":"Widget 7","price_cents":700},"id":7,"missing":["reviews"],"partial":true}
}
