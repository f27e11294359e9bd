/* pimstream energy: the ADC's energy against its resolution. */
#include "pimstream/energy.h"

#include <math.h>

double pim_adc_survey_pj(double bits)
{
    static const double b[4] = {4, 8, 10, 12}, pj[4] = {0.92, 1.71, 3.3, 29};
    int i = bits <= b[1] ? 0 : bits <= b[2] ? 1 : 2; /* segment, extended at the ends */
    double f = (bits - b[i]) / (b[i + 1] - b[i]);
    return exp(log(pj[i]) + f * (log(pj[i + 1]) - log(pj[i])));
}

double pim_adc_scale(const pim_arch *a)
{
    uint32_t ref = a->analog.adc_ref_bits ? a->analog.adc_ref_bits : a->analog.adc_bits;
    return pim_adc_survey_pj(a->analog.adc_bits) / pim_adc_survey_pj(ref);
}
