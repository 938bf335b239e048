package cfdi

// Descriptions of SAT's catalog codes, as SAT's catálogos del CFDI 4.0 word them, for the
// printed representation: a reader sees "601 General de Ley Personas Morales", not "601".
// ClaveUnidad lists the common units only (SAT's catalog has thousands); any other prints
// with the unit name the item gives.
var catalogNames = map[string]map[string]string{
	"c_RegimenFiscal": {
		"601": "General de Ley Personas Morales", "603": "Personas Morales con Fines no Lucrativos",
		"605": "Sueldos y Salarios e Ingresos Asimilados a Salarios", "606": "Arrendamiento",
		"607": "Régimen de Enajenación o Adquisición de Bienes", "608": "Demás ingresos",
		"610": "Residentes en el Extranjero sin Establecimiento Permanente en México",
		"611": "Ingresos por Dividendos (socios y accionistas)", "612": "Personas Físicas con Actividades Empresariales y Profesionales",
		"614": "Ingresos por intereses", "615": "Régimen de los ingresos por obtención de premios", "616": "Sin obligaciones fiscales",
		"620": "Sociedades Cooperativas de Producción que optan por diferir sus ingresos", "621": "Incorporación Fiscal",
		"622": "Actividades Agrícolas, Ganaderas, Silvícolas y Pesqueras", "623": "Opcional para Grupos de Sociedades",
		"624": "Coordinados", "625": "Régimen de las Actividades Empresariales con ingresos a través de Plataformas Tecnológicas",
		"626": "Régimen Simplificado de Confianza",
	},
	"c_UsoCFDI": {
		"G01": "Adquisición de mercancías", "G02": "Devoluciones, descuentos o bonificaciones", "G03": "Gastos en general",
		"I01": "Construcciones", "I02": "Mobiliario y equipo de oficina por inversiones", "I03": "Equipo de transporte",
		"I04": "Equipo de cómputo y accesorios", "I05": "Dados, troqueles, moldes, matrices y herramental",
		"I06": "Comunicaciones telefónicas", "I07": "Comunicaciones satelitales", "I08": "Otra maquinaria y equipo",
		"D01": "Honorarios médicos, dentales y gastos hospitalarios", "D02": "Gastos médicos por incapacidad o discapacidad",
		"D03": "Gastos funerales", "D04": "Donativos", "D05": "Intereses reales efectivamente pagados por créditos hipotecarios (casa habitación)",
		"D06": "Aportaciones voluntarias al SAR", "D07": "Primas por seguros de gastos médicos",
		"D08": "Gastos de transportación escolar obligatoria",
		"D09": "Depósitos en cuentas para el ahorro, primas que tengan como base planes de pensiones",
		"D10": "Pagos por servicios educativos (colegiaturas)", "S01": "Sin efectos fiscales", "CP01": "Pagos", "CN01": "Nómina",
	},
	"c_FormaPago": {
		"01": "Efectivo", "02": "Cheque nominativo", "03": "Transferencia electrónica de fondos", "04": "Tarjeta de crédito",
		"05": "Monedero electrónico", "06": "Dinero electrónico", "08": "Vales de despensa", "12": "Dación en pago",
		"13": "Pago por subrogación", "14": "Pago por consignación", "15": "Condonación", "17": "Compensación", "23": "Novación",
		"24": "Confusión", "25": "Remisión de deuda", "26": "Prescripción o caducidad", "27": "A satisfacción del acreedor",
		"28": "Tarjeta de débito", "29": "Tarjeta de servicios", "30": "Aplicación de anticipos", "31": "Intermediario pagos",
		"99": "Por definir",
	},
	"c_MetodoPago":        {"PUE": "Pago en una sola exhibición", "PPD": "Pago en parcialidades o diferido"},
	"c_TipoDeComprobante": {"I": "Ingreso", "E": "Egreso", "T": "Traslado", "N": "Nómina", "P": "Pago"},
	"c_Exportacion":       {"01": "No aplica", "02": "Definitiva con clave A1", "03": "Temporal", "04": "Definitiva con clave distinta a A1 o cuando no existe enajenación en términos del CFF"},
	"c_Impuesto":          {"001": "ISR", "002": "IVA", "003": "IEPS"},
	"c_ObjetoImp":         {"01": "No objeto de impuesto", "02": "Sí objeto de impuesto", "03": "Sí objeto del impuesto y no obligado al desglose", "04": "Sí objeto del impuesto y no causa impuesto"},
	"c_TipoRelacion": {"01": "Nota de crédito de los documentos relacionados", "02": "Nota de débito de los documentos relacionados",
		"03": "Devolución de mercancía sobre facturas o traslados previos", "04": "Sustitución de los CFDI previos"},
	"c_Periodicidad": {"01": "Diario", "02": "Semanal", "03": "Quincenal", "04": "Mensual", "05": "Bimestral"},
	"c_ClaveUnidad": {
		"H87": "Pieza", "E48": "Unidad de servicio", "ACT": "Actividad", "KGM": "Kilogramo", "GRM": "Gramo", "LTR": "Litro",
		"MLT": "Mililitro", "MTR": "Metro", "MTK": "Metro cuadrado", "MTQ": "Metro cúbico", "XBX": "Caja", "EA": "Elemento",
		"XPK": "Paquete", "SET": "Conjunto", "HUR": "Hora", "DAY": "Día", "MON": "Mes", "ANN": "Año", "KWH": "Kilovatio hora",
		"A9": "Tarifa", "C62": "Uno", "XUN": "Unidad", "E51": "Trabajo", "LO": "Lote", "PR": "Par", "TNE": "Tonelada",
	},
}

// Described is a catalog code with its description ("601 General de Ley Personas
// Morales"), or the code alone when the description is not known here.
func Described(catalog, code string) string {
	if d := catalogNames[catalog][code]; d != "" {
		return code + " " + d
	}
	return code
}
