package stackwatch_test

import (
	"testing"

	"github.com/awsauth/awsauth/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
