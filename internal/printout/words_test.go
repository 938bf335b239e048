package printout

import "testing"

func TestAmountInWords(t *testing.T) {
	for _, c := range []struct{ amount, currency, want string }{
		{"0.50", "MXN", "(CERO PESOS 50/100 M.N.)"},
		{"1", "MXN", "(UN PESO 00/100 M.N.)"},
		{"21.00", "MXN", "(VEINTIÚN PESOS 00/100 M.N.)"},
		{"100", "MXN", "(CIEN PESOS 00/100 M.N.)"},
		{"101", "MXN", "(CIENTO UN PESOS 00/100 M.N.)"},
		{"116.00", "MXN", "(CIENTO DIECISÉIS PESOS 00/100 M.N.)"},
		{"1000", "MXN", "(MIL PESOS 00/100 M.N.)"},
		{"1001", "MXN", "(MIL UN PESOS 00/100 M.N.)"},
		{"21000", "MXN", "(VEINTIÚN MIL PESOS 00/100 M.N.)"},
		{"23176.50", "MXN", "(VEINTITRÉS MIL CIENTO SETENTA Y SEIS PESOS 50/100 M.N.)"},
		{"31555.005", "MXN", "(TREINTA Y UN MIL QUINIENTOS CINCUENTA Y CINCO PESOS 01/100 M.N.)"},
		{"1000000", "MXN", "(UN MILLÓN DE PESOS 00/100 M.N.)"},
		{"2500000", "MXN", "(DOS MILLONES QUINIENTOS MIL PESOS 00/100 M.N.)"},
		{"1001000000", "MXN", "(MIL UN MILLONES DE PESOS 00/100 M.N.)"},
		{"12345678.90", "USD", "(DOCE MILLONES TRESCIENTOS CUARENTA Y CINCO MIL SEISCIENTOS SETENTA Y OCHO DÓLARES 90/100 USD)"},
		{"-116", "MXN", "(MENOS CIENTO DIECISÉIS PESOS 00/100 M.N.)"},
		{"abc", "MXN", ""},
	} {
		if got := AmountInWords(c.amount, c.currency); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.amount, c.currency, got, c.want)
		}
	}
}

func TestWordsAcrossMagnitudes(t *testing.T) {
	for n, want := range map[int64]string{
		15: "QUINCE", 29: "VEINTINUEVE", 30: "TREINTA", 99: "NOVENTA Y NUEVE", 200: "DOSCIENTOS", 555: "QUINIENTOS CINCUENTA Y CINCO",
		700001: "SETECIENTOS MIL UNO", 1_000_000_000_000: "UN BILLÓN", 2_000_000_000_001: "DOS BILLONES UNO",
	} {
		if got := Words(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func TestUruguayanNotation(t *testing.T) {
	for in, want := range map[string]string{"1234.56": "1.234,56", "-23176.00": "-23.176,00", "5": "5", "999.5": "999,5"} {
		if got := MoneyUY(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}
