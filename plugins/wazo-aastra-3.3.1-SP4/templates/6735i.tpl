{#- Aastra 6735i: six programmable keys and 20 on-screen softkeys.
    Model defaults come first; base.tpl, included last, may override
    them with the function keys configured in provd. -#}
# Aastra 6735i
{%- if exten_voicemail %}
softkey1 type: speeddial
softkey1 value: {{ exten_voicemail }}
softkey1 label: {{ XX_dict.voicemail }}
{%- endif %}
{%- if exten_fwd_unconditional %}
softkey2 type: speeddial
softkey2 value: {{ exten_fwd_unconditional }}
softkey2 label: {{ XX_dict.fwd_unconditional }}
{%- endif %}
{%- if exten_dnd %}
softkey3 type: speeddial
softkey3 value: {{ exten_dnd }}
softkey3 label: {{ XX_dict.dnd }}
{%- endif %}
{%- if exten_pickup_call %}
softkey4 type: speeddial
softkey4 value: {{ exten_pickup_call }}
softkey4 label: {{ XX_dict.pickup_call }}
{%- endif %}
softkey5 type: directory
softkey5 label: {{ XX_dict.local_directory }}
softkey6 type: callers
softkey6 label: {{ XX_dict.callers }}
{%- if XX_xivo_phonebook_url %}
softkey7 type: xml
softkey7 value: {{ XX_xivo_phonebook_url }}
softkey7 label: {{ XX_dict.remote_directory }}
{%- endif %}

{% include 'base.tpl' %}
