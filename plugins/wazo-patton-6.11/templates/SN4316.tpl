{% extends 'base.tpl' %}
